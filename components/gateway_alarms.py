"""What the SLO alarms read from the gateway: tool success, its 5xx ratio and latency p95.

The ALB forwards only to the gateway, so per server the gateway is where requests, errors and
latency are measured (components/gateway_metrics.py: namespace ``McpFleet/Gateway/<env>``,
dimensions Tenant and Server). Tool success there is the SLI every server is held to. A remote
server (catalog ``remote``) is measured the same way: its SLA is its EffectiveSlo
(stacks/effective_slo.py), so the availability is the success target and the p95 the latency
threshold.
"""

from __future__ import annotations

import pulumi_aws as aws

from components.gateway_metrics import (
    SERVER_DIMENSION,
    TENANT_DIMENSION,
    gateway_metric,
    metric_namespace,
)
from components.slo_math import ratio_expression
from stacks.fleet_plan import PlannedServer


def is_remote(server: PlannedServer) -> bool:
    return server.entry.remote is not None


def gateway_query(
    query_id: str, key: str, environment: str, server: PlannedServer, period: int, stat: str = "Sum"
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    """One of the gateway's per-server metrics (Tenant, Server) over ``period``."""
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=query_id,
        return_data=False,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace=metric_namespace(environment),
            metric_name=gateway_metric(key).metric_name,
            dimensions={TENANT_DIMENSION: server.tenant, SERVER_DIMENSION: server.name},
            period=period,
            stat=stat,
        ),
    )


def gateway_error_ratio_queries(
    environment: str, server: PlannedServer, period: int
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    """Admitted tool calls answered 5xx over admitted tool calls (denials never count)."""
    return [
        gateway_query("calls", "gateway-tool-calls", environment, server, period),
        gateway_query("errors", "gateway-tool-errors", environment, server, period),
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="ratio",
            label="error ratio at the gateway",
            expression=ratio_expression("errors", "calls"),
            return_data=True,
        ),
    ]


def gateway_success_queries(
    environment: str, server: PlannedServer, period: int
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    """The gateway's error ratio, not returned, and ``1 - ratio`` returned."""
    queries = gateway_error_ratio_queries(environment, server, period)
    ratio = queries[-1]
    queries[-1] = aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id="ratio", label=ratio.label, expression=ratio.expression, return_data=False
    )
    queries.append(
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="success",
            label="tool success ratio at the gateway",
            expression="1 - ratio",
            return_data=True,
        )
    )
    return queries


def gateway_error_rate_watch(
    environment: str, server: PlannedServer, threshold: float
) -> aws.cloudwatch.MetricAlarmArgs:
    """More than ``threshold`` of admitted requests (any method: an ``initialize`` that fails
    never gets to a tool call) answered 5xx in 5 consecutive minutes."""
    return aws.cloudwatch.MetricAlarmArgs(
        metric_queries=[
            gateway_query("requests", "gateway-admitted-requests", environment, server, 60),
            gateway_query("errors", "gateway-server-errors", environment, server, 60),
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="ratio",
                label="5xx ratio at the gateway",
                expression=ratio_expression("errors", "requests"),
                return_data=True,
            ),
        ],
        evaluation_periods=5,
        datapoints_to_alarm=5,
        threshold=threshold,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data="notBreaching",
    )


def gateway_latency_watch(
    environment: str, server: PlannedServer
) -> aws.cloudwatch.MetricAlarmArgs:
    """p95 of the gateway's Latency (ms) above the held p95 in 8 of the last 10 minutes."""
    return aws.cloudwatch.MetricAlarmArgs(
        namespace=metric_namespace(environment),
        metric_name=gateway_metric("gateway-latency").metric_name,
        dimensions={TENANT_DIMENSION: server.tenant, SERVER_DIMENSION: server.name},
        extended_statistic="p95",
        period=60,
        evaluation_periods=10,
        datapoints_to_alarm=8,
        threshold=server.slo.p95_latency_ms,
        comparison_operator="GreaterThanThreshold",
        evaluate_low_sample_count_percentiles="ignore",
        treat_missing_data="notBreaching",
    )
