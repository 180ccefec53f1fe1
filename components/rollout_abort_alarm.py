"""RolloutAbortAlarm: an aborted rollout reaches the ticket topic, email subscribers included.

Argo Rollouts' notification engine has no SNS service, so its webhooks reach only the ticket
route's HTTPS endpoints (delivery/manifests.py); a stack whose ticket route has emails only
would hear nothing. The controller logs every event it records with the reason as a field
(``event_reason=RolloutAborted``, logrus' text format, one line per abort); Container
Insights ships that line to the cluster's application log group like every container's. A
metric filter counts those lines of the controller's namespace, and an alarm on one or more
in a minute notifies the ticket topic (nobody in dev, which records only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from policy.contract import component_type

ABORTED_REASON = "RolloutAborted"
METRIC_NAME = "RolloutAborts"
METRIC_NAMESPACE_PREFIX = "McpFleet/Delivery"


def abort_pattern(controller_namespace: str) -> str:
    """The controller's lines (its namespace) whose raw text carries the abort's reason."""
    return (
        f'{{ $.kubernetes.namespace_name = "{controller_namespace}" && '
        f'$.log = "*event_reason={ABORTED_REASON}*" }}'
    )


@dataclass(frozen=True)
class RolloutAbortAlarmArgs:
    name_prefix: str
    environment: str
    controller_namespace: str
    application_log_group: pulumi.Input[str]
    ticket_actions: Sequence[pulumi.Input[str]]
    """The ticket topic in staging and prod; empty where the stack only records."""
    tags: Mapping[str, str]


class RolloutAbortAlarm(pulumi.ComponentResource):
    """The metric filter on the controller's abort lines and the alarm to the ticket route."""

    def __init__(
        self, name: str, args: RolloutAbortAlarmArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(
            component_type("rollout_controller", "RolloutAbortAlarm"), name, None, opts
        )
        child = pulumi.ResourceOptions(parent=self)
        namespace = f"{METRIC_NAMESPACE_PREFIX}/{args.environment}"
        self.metric_filter = aws.cloudwatch.LogMetricFilter(
            f"{name}-filter",
            name=f"{args.name_prefix}-rollout-aborts",
            log_group_name=args.application_log_group,
            pattern=abort_pattern(args.controller_namespace),
            metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                name=METRIC_NAME, namespace=namespace, value="1", unit="Count"
            ),
            opts=child,
        )
        self.alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-alarm",
            name=f"{args.name_prefix}-rollout-aborted",
            alarm_description=(
                "A server's rollout was aborted (failed analysis or no progress): every replica "
                "is back on the stable version. docs/runbooks/rollout.md, 'After an abort'."
            ),
            namespace=namespace,
            metric_name=METRIC_NAME,
            statistic="Sum",
            period=60,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=list(args.ticket_actions),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.metric_filter]),
        )
        self.register_outputs({"alarm_name": self.alarm.name})
