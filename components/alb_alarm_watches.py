"""What the load balancer's fleet alarms watch: the gateway's single target group.

The ALB forwards every request to the gateway, so it no longer sees servers: per-server
latency and errors are measured at the gateway (components/gateway_alarms.py). What only the
ALB can see stays here, once per stack: requests it answered 5xx (its own 502/503/504 when no
gateway replica answers, and the gateway's 5xx) and gateway replicas failing health checks.

Pure builders of ``MetricAlarmArgs``; FleetAlarms names, routes and tags them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from components.alarm_queries import alb_query
from components.slo_math import ratio_expression

ERROR_RATE_5XX_THRESHOLD = 0.01
"""The guide's runbook: 'Error rate > 1 %'."""

GatewayTargets = Mapping[str, pulumi.Input[str]]
"""The LoadBalancer and TargetGroup dimensions of the gateway's target group."""


def gateway_targets(
    load_balancer_arn_suffix: pulumi.Input[str], target_group_arn_suffix: pulumi.Input[str]
) -> dict[str, pulumi.Input[str]]:
    return {"LoadBalancer": load_balancer_arn_suffix, "TargetGroup": target_group_arn_suffix}


def error_rate_watch(alb: GatewayTargets) -> aws.cloudwatch.MetricAlarmArgs:
    """More than 1 % of the ALB's requests answered 5xx (by itself or the gateway), 5 minutes.

    ``HTTPCode_ELB_5XX_Count`` exists per load balancer only; the gateway's 5xx are its target
    group's ``HTTPCode_Target_5XX_Count``. Both over every request the ALB received."""
    balancer = {"LoadBalancer": alb["LoadBalancer"]}
    return aws.cloudwatch.MetricAlarmArgs(
        metric_queries=[
            alb_query("elb5xx", "HTTPCode_ELB_5XX_Count", balancer, 60),
            alb_query("target5xx", "HTTPCode_Target_5XX_Count", alb, 60),
            alb_query("requests", "RequestCount", balancer, 60),
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="failed",
                label="answered 5xx",
                expression="FILL(elb5xx, 0) + FILL(target5xx, 0)",
                return_data=False,
            ),
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="ratio",
                label="5xx ratio at the load balancer",
                expression=ratio_expression("failed", "requests"),
                return_data=True,
            ),
        ],
        evaluation_periods=5,
        datapoints_to_alarm=5,
        threshold=ERROR_RATE_5XX_THRESHOLD,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data="notBreaching",
    )


def unhealthy_watch(alb: GatewayTargets) -> aws.cloudwatch.MetricAlarmArgs:
    """At least one gateway replica failing the ALB's health check for 5 consecutive minutes."""
    return aws.cloudwatch.MetricAlarmArgs(
        namespace="AWS/ApplicationELB",
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
