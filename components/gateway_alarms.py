"""What the SLO alarms read from the gateway: the primary tool-success SLI, and remote latency.

Tool success measured at the gateway is the SLI every server is held to (why: see
components/gateway_metrics.py). A remote server (catalog ``remote``) has no pods, target group
or logs of ours, so the gateway is all there is: its SLA's availability is the success target
and its SLA's p95 the latency threshold, read from the gateway's Latency metric.
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
from stacks.fleet_plan import EffectiveSlo, PlannedServer


def is_remote(server: PlannedServer) -> bool:
    return server.entry.remote is not None


def held_slo(server: PlannedServer) -> EffectiveSlo:
    """The SLO the alarms and dashboards hold a server to: a remote's SLA, else its own SLO."""
    remote = server.entry.remote
    if remote is None:
        return server.slo
    return EffectiveSlo(
        tool_success_rate=float(remote.sla.availability),
        p95_latency_ms=int(remote.sla.p95_latency_ms),
        has_exception=server.slo.has_exception,
    )


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


def gateway_latency_watch(
    environment: str, server: PlannedServer
) -> aws.cloudwatch.MetricAlarmArgs:
    """p95 of the gateway's Latency (ms) above the held p95 in 8 of 10 minutes, like the ALB's."""
    return aws.cloudwatch.MetricAlarmArgs(
        namespace=metric_namespace(environment),
        metric_name=gateway_metric("gateway-latency").metric_name,
        dimensions={TENANT_DIMENSION: server.tenant, SERVER_DIMENSION: server.name},
        extended_statistic="p95",
        period=60,
        evaluation_periods=10,
        datapoints_to_alarm=8,
        threshold=held_slo(server).p95_latency_ms,
        comparison_operator="GreaterThanThreshold",
        evaluate_low_sample_count_percentiles="ignore",
        treat_missing_data="notBreaching",
    )
