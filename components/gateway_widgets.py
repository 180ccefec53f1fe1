"""A server's dashboard row measured at the gateway (the primary SLI beside its percentiles),
and the overview's row of the load balancer in front of the gateway.

Read from the gateway's metric filters (components/gateway_metrics.py): tool success against
the SLO, latency p50/p95/p99, traffic, denials by reason and calls per approved tool. A remote
server's section is this row alone: it has no target group, pods or logs of ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from components.dashboard_widgets import Located, Widget, graph
from components.gateway_metrics import (
    DENIAL_REASONS,
    REASON_DIMENSION,
    SERVER_DIMENSION,
    TENANT_DIMENSION,
    TOOL_DIMENSION,
    gateway_metric,
    metric_namespace,
)
from components.slo_math import ratio_expression

ALB = "AWS/ApplicationELB"


class GatewayView(Located, Protocol):
    @property
    def environment(self) -> str: ...


class FrontDoorView(Located, Protocol):
    """The ALB in front of the gateway: its ARN suffix and its one target group's."""

    @property
    def load_balancer(self) -> str: ...
    @property
    def gateway_target_group(self) -> str: ...


class MeasuredServer(Protocol):
    """What the row needs of a server panel."""

    @property
    def name(self) -> str: ...
    @property
    def tenant(self) -> str: ...
    @property
    def success_rate(self) -> float: ...
    @property
    def p95_latency_ms(self) -> int: ...
    @property
    def tools(self) -> Sequence[str]: ...


def _metric(
    view: GatewayView, server: MeasuredServer, key: str, *extra: str, **options: Any
) -> list[Any]:
    entry: list[Any] = [
        metric_namespace(view.environment),
        gateway_metric(key).metric_name,
        TENANT_DIMENSION, server.tenant, SERVER_DIMENSION, server.name, *extra,
    ]  # fmt: skip
    return [*entry, options] if options else entry


def gateway_row(view: GatewayView, server: MeasuredServer, y: int) -> list[Widget]:
    """Four graphs side by side at row ``y``, each 6 wide and 6 high."""
    name = server.name
    success = graph(
        view,
        f"{name} tool success % at the gateway vs SLO",
        [
            _metric(view, server, "gateway-tool-calls", id="calls", visible=False),
            _metric(view, server, "gateway-tool-errors", id="errors", visible=False),
            [
                {
                    "id": "success",
                    "label": "tool success % (gateway)",
                    "expression": f"100 * (1 - {ratio_expression('errors', 'calls')})",
                }
            ],
        ],
        0,
        y,
        period=300,
        annotations=[{"label": f"SLO {server.success_rate:g} %", "value": server.success_rate}],
        left_label="percent",
    )
    latency = graph(
        view,
        f"{name} latency at the gateway (ms)",
        [
            _metric(view, server, "gateway-latency", stat=stat, label=stat)
            for stat in ("p50", "p95", "p99")
        ],
        6,
        y,
        stat="p95",
        annotations=[{"label": f"p95 {server.p95_latency_ms} ms", "value": server.p95_latency_ms}],
        left_label="milliseconds",
    )
    denials = graph(
        view,
        f"{name} denials at the gateway by reason",
        [
            _metric(view, server, "gateway-denials", REASON_DIMENSION, reason, label=reason)
            for reason in DENIAL_REASONS
        ],
        12,
        y,
        period=300,
        stacked=True,
    )
    traffic: list[list[Any]] = [
        _metric(view, server, "gateway-requests", label="requests"),
        _metric(view, server, "gateway-tool-errors", label="tool calls answered 5xx"),
    ]
    traffic += [
        _metric(view, server, "gateway-tool-calls-by-tool", TOOL_DIMENSION, tool, label=tool)
        for tool in server.tools
    ]
    by_tool = graph(view, f"{name} traffic at the gateway, calls by tool", traffic, 18, y)
    return [success, latency, denials, by_tool]


def load_balancer_row(view: FrontDoorView, y: int) -> list[Widget]:
    """The ALB in front of the gateway: requests and 5xx, the gateway's targets and latency."""
    balancer = ["LoadBalancer", view.load_balancer]
    targets = [*balancer, "TargetGroup", view.gateway_target_group]
    answered = graph(
        view,
        "Load balancer: requests and 5xx",
        [
            [ALB, "RequestCount", *balancer, {"label": "requests"}],
            [ALB, "HTTPCode_ELB_5XX_Count", *balancer, {"label": "5xx by the load balancer"}],
            [ALB, "HTTPCode_Target_5XX_Count", *targets, {"label": "5xx by the gateway"}],
        ],
        0,
        y,
        width=12,
    )
    gateway = graph(
        view,
        "Load balancer: gateway targets and response time",
        [
            [ALB, "HealthyHostCount", *targets, {"label": "healthy", "stat": "Minimum"}],
            [ALB, "UnHealthyHostCount", *targets, {"label": "unhealthy", "stat": "Maximum"}],
            [
                ALB,
                "TargetResponseTime",
                *targets,
                {"label": "response time p95 (s)", "stat": "p95", "yAxis": "right"},
            ],
        ],
        12,
        y,
        width=12,
        stat="Maximum",
    )
    return [answered, gateway]
