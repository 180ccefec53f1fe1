"""The alarm that pages when a dependency's newest complete backup is older than its RPO allows.

It watches ``McpFleet/Backups BackupAgeSeconds`` (published by ``ops backup`` after each
backup and by ``ops backup-age`` every few minutes in between) rather than the CronJob's
success, because "the job succeeded" is not the promise; "a restorable backup at most an RPO
old exists" is. Missing data counts as breaching: no datapoints means the publisher is not
running, and then nobody knows how old the backups are, which is itself worth a page.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from components.backup_iam import METRIC_NAMESPACE
from components.labels import PREFIX, standard_tags
from stacks.backup_cadence import (
    AGE_PUBLISH_INTERVAL_MINUTES,
    age_alarm_margin_seconds,
    age_alarm_threshold_seconds,
)
from stacks.fleet_plan import Settings
from stacks.settings import BackupDependency

AGE_METRIC = "BackupAgeSeconds"
ALARM_KIND = f"{PREFIX}/alarm-kind"
RUNBOOK = "docs/runbooks/backup-age.md"
PERIOD_SECONDS = AGE_PUBLISH_INTERVAL_MINUTES * 60
EVALUATION_PERIODS = 2
"""Two periods: one late or skipped publisher run does not page, two in a row do."""


def backup_age_alarm(
    name: str,
    settings: Settings,
    dependency: BackupDependency,
    alarm_actions: Sequence[pulumi.Input[str]],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.MetricAlarm:
    environment = settings.environment.value
    rpo = settings.backups.rpo_minutes
    margin_minutes = age_alarm_margin_seconds(rpo) // 60
    tags = standard_tags(settings)
    tags[ALARM_KIND] = "backup-age"
    return aws.cloudwatch.MetricAlarm(
        name,
        name=f"{settings.project}-{environment}-backup-age-{dependency.name}",
        alarm_description=(
            f"The newest complete {dependency.kind} backup of {dependency.name} ({environment}) "
            f"is older than the RPO of {rpo} min plus {margin_minutes} min, or its age has not "
            f"been published for {EVALUATION_PERIODS * AGE_PUBLISH_INTERVAL_MINUTES} min. "
            f"Runbook: {RUNBOOK}"
        ),
        namespace=METRIC_NAMESPACE,
        metric_name=AGE_METRIC,
        dimensions={"Environment": environment, "Dependency": dependency.name},
        statistic="Maximum",
        period=PERIOD_SECONDS,
        evaluation_periods=EVALUATION_PERIODS,
        datapoints_to_alarm=EVALUATION_PERIODS,
        comparison_operator="GreaterThanThreshold",
        threshold=age_alarm_threshold_seconds(rpo),
        treat_missing_data="breaching",
        alarm_actions=list(alarm_actions),
        # The same target hears the recovery, so a pager incident resolves itself.
        ok_actions=list(alarm_actions),
        tags=tags,
        opts=opts,
    )
