"""The alarm that fires when the audit archive falls behind its log group (issue 13).

``ops audit seal --publish-metric`` (the ``audit-seal`` CronJob) publishes
``McpFleet/Audit SealLagSeconds`` (dimension ``LogGroup``) after every run that returns: now
minus the ingestion time up to which the group is sealed, about the settle time when healthy.
A failed, hung or unscheduled run publishes nothing, so missing data is breaching: then audit
records sit only in the log group. Threshold: settle + two schedule intervals (one late run
is fine); three periods of one schedule interval each must breach, so three missed runs in a
row alarm. The CloudWatch Logs lookback does not enter: it bounds late event timestamps, not
the ingestion lag. Prod pages, staging tickets, dev notifies only with pageFromDev.
Runbook: docs/runbooks/audit-seal.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from policy.contract import ALARM_KIND

METRIC_NAMESPACE = "McpFleet/Audit"
"""Equal to ``ops.metrics.AUDIT_NAMESPACE`` (the publisher); a test holds them together."""
LAG_METRIC = "SealLagSeconds"
ALARM_AUDIT_SEAL_LAG = "audit-seal-lag"
RUNBOOK_PATH = "docs/runbooks/audit-seal.md"
EVALUATION_PERIODS = 3


def schedule_interval_minutes(schedule: str) -> int:
    """The minutes between runs of a ``*/N * * * *`` schedule (the only shape the sealer uses)."""
    minute, *rest = schedule.split()
    if not minute.startswith("*/") or rest != ["*", "*", "*", "*"]:
        raise ValueError(f"schedule {schedule!r}: the seal-lag alarm needs '*/N * * * *'")
    return int(minute[2:])


def lag_threshold_seconds(interval_minutes: int, settle_seconds: int) -> int:
    return settle_seconds + 2 * interval_minutes * 60


def put_metric_policy() -> pulumi.Output[str]:
    """The sealer may PutMetricData, but only into its own namespace."""
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublishSealLag",
                    "Effect": "Allow",
                    "Action": "cloudwatch:PutMetricData",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACE}},
                }
            ],
        }
    )


def audit_seal_lag_alarm(
    name: str,
    *,
    name_prefix: str,
    log_group_name: pulumi.Input[str],
    schedule: str,
    settle_seconds: int,
    alarm_actions: Sequence[pulumi.Input[str]],
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.MetricAlarm:
    interval = schedule_interval_minutes(schedule)
    threshold = lag_threshold_seconds(interval, settle_seconds)
    return aws.cloudwatch.MetricAlarm(
        name,
        name=f"{name_prefix}-audit-seal-lag",
        alarm_description=(
            f"The audit archive trails its log group by more than {threshold} s, or no seal "
            f"run has succeeded for {EVALUATION_PERIODS * interval} min: audit records sit "
            f"only in the log group. Runbook: {RUNBOOK_PATH}"
        ),
        namespace=METRIC_NAMESPACE,
        metric_name=LAG_METRIC,
        dimensions={"LogGroup": log_group_name},
        statistic="Maximum",
        period=interval * 60,
        evaluation_periods=EVALUATION_PERIODS,
        datapoints_to_alarm=EVALUATION_PERIODS,
        comparison_operator="GreaterThanThreshold",
        threshold=threshold,
        treat_missing_data="breaching",
        alarm_actions=list(alarm_actions),
        ok_actions=list(alarm_actions),
        tags={**tags, ALARM_KIND: ALARM_AUDIT_SEAL_LAG},
        opts=opts,
    )
