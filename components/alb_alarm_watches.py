"""What the load balancer alarms of a server in the cluster watch: its target group's metrics.

Pure builders of ``MetricAlarmArgs``; SloAlarms names, routes and tags them. A remote server
has no target group and gets none of these (components/gateway_alarms.py measures it).
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from components.alarm_queries import ALB_NAMESPACE, alb_query, ratio_queries
from stacks.fleet_plan import EffectiveSlo

ERROR_RATE_5XX_THRESHOLD = 0.01
"""The guide's runbook: 'Error rate > 1 %'."""

TargetGroup = Mapping[str, pulumi.Input[str]]
"""The LoadBalancer and TargetGroup dimensions of the server's ALB metrics."""


def latency_watch(alb: TargetGroup, slo: EffectiveSlo) -> aws.cloudwatch.MetricAlarmArgs:
    """p95 TargetResponseTime (seconds) above the SLO in 8 of the last 10 minutes."""
    return aws.cloudwatch.MetricAlarmArgs(
        namespace=ALB_NAMESPACE,
        metric_name="TargetResponseTime",
        dimensions=dict(alb),
        extended_statistic="p95",
        period=60,
        evaluation_periods=10,
        datapoints_to_alarm=8,
        threshold=slo.p95_latency_seconds,
        comparison_operator="GreaterThanThreshold",
        evaluate_low_sample_count_percentiles="ignore",
        treat_missing_data="notBreaching",
    )


def error_rate_watch(alb: TargetGroup) -> aws.cloudwatch.MetricAlarmArgs:
    """More than 1 % of requests answered 5xx by the targets in 5 consecutive minutes."""
    return aws.cloudwatch.MetricAlarmArgs(
        metric_queries=ratio_queries(
            numerator=alb_query("target5xx", "HTTPCode_Target_5XX_Count", alb, 60),
            denominator=alb_query("requests", "RequestCount", alb, 60),
            label="5xx ratio",
        ),
        evaluation_periods=5,
        datapoints_to_alarm=5,
        threshold=ERROR_RATE_5XX_THRESHOLD,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data="notBreaching",
    )


def unhealthy_watch(alb: TargetGroup) -> aws.cloudwatch.MetricAlarmArgs:
    """At least one unhealthy target for 5 consecutive minutes."""
    return aws.cloudwatch.MetricAlarmArgs(
        namespace=ALB_NAMESPACE,
        metric_name="UnHealthyHostCount",
        dimensions=dict(alb),
        statistic="Maximum",
        period=60,
        evaluation_periods=5,
        datapoints_to_alarm=5,
        threshold=1,
        comparison_operator="GreaterThanOrEqualToThreshold",
        # Published every minute while the target group exists: a gap means a problem.
        treat_missing_data="missing",
    )
