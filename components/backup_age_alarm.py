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
from components.backup_jobs import BackupJobs
from policy.contract import ALARM_BACKUP_AGE, ALARM_KIND
from stacks.backup_cadence import (
    AGE_PUBLISH_INTERVAL_MINUTES,
    age_alarm_margin_seconds,
    age_alarm_threshold_seconds,
)
from stacks.settings import BackupDependency

AGE_METRIC = "BackupAgeSeconds"
RUNBOOK_PATH = "docs/runbooks/backup-age.md"
PERIOD_SECONDS = AGE_PUBLISH_INTERVAL_MINUTES * 60
EVALUATION_PERIODS = 2
"""Two periods: one late or skipped publisher run does not page, two in a row do."""


def backup_age_alarm(
    name: str,
    jobs: BackupJobs,
    dependency: BackupDependency,
    alarm_actions: Sequence[pulumi.Input[str]],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.MetricAlarm:
    environment = jobs.environment
    rpo = jobs.rpo_minutes
    margin_minutes = age_alarm_margin_seconds(rpo) // 60
    tags = {**jobs.tags, ALARM_KIND: ALARM_BACKUP_AGE}
    return aws.cloudwatch.MetricAlarm(
        name,
        name=f"{jobs.name_prefix}-backup-age-{dependency.name}",
        alarm_description=(
            f"The newest complete {dependency.kind} backup of {dependency.name} ({environment}) "
            f"is older than the RPO of {rpo} min plus {margin_minutes} min, or its age has not "
            f"been published for {EVALUATION_PERIODS * AGE_PUBLISH_INTERVAL_MINUTES} min. "
            f"Runbook: {RUNBOOK_PATH}"
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
