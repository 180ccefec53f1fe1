"""The fleet dashboard as data: the load balancer's row, then per server the gateway's row (its
SLO's primary SLI, latency, denials, traffic), the server's own lines and its saturation.

Pure: takes resolved names (ARN suffixes, alarm ARNs) and returns dashboard bodies, so it
can be tested on fleets far larger than the example stacks. CloudWatch refuses a dashboard
with more than 500 widgets or 2,500 metrics; when a fleet outgrows one, the servers are
split over several dashboards, each repeating the fleet overview.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from components.dashboard_widgets import GRID_WIDTH, Widget, graph, text
from components.gateway_widgets import gateway_row, load_balancer_row
from components.log_metrics import (
    ERROR_CLASS_DIMENSION,
    NAMESPACE,
    ErrorClass,
    metric,
)
from components.slo_math import ELIGIBLE_CALLS, error_ratio_expression

MAX_WIDGETS = 500
MAX_METRICS = 2500
MAX_ALARMS_PER_WIDGET = 100
CONTAINER_INSIGHTS = "ContainerInsights"


@dataclass(frozen=True)
class ServerPanel:
    """What the dashboard needs to know about one server, every Output already resolved."""

    name: str
    tenant: str
    namespace: str
    tier: str
    success_rate: float
    p95_latency_ms: int
    tools: tuple[str, ...] = ()
    """The catalog's approved tools: the gateway's per-tool series."""
    remote: bool = False
    """Hosted elsewhere: only the gateway measures it (SLO fields hold its SLA)."""


@dataclass(frozen=True)
class FleetView:
    project: str
    stack: str
    environment: str
    region: str
    cluster: str
    application_log_group: str
    saturation_percent: int
    alarm_arns: Sequence[str] = ()
    """Alarms shown in the overview's status widget: the notifying ones."""
    servers: Sequence[ServerPanel] = field(default_factory=tuple)
    load_balancer: str = ""
    """``app/NAME/ID``: the ALB in front of the gateway (the overview's load balancer row)."""
    gateway_target_group: str = ""
    """``targetgroup/NAME/ID``: the gateway's target group, the ALB's only one."""


@dataclass(frozen=True)
class Section:
    """Widgets laid out from y=0; placed one under another on a dashboard."""

    widgets: list[Widget]

    @property
    def height(self) -> int:
        return max((w["y"] + w["height"] for w in self.widgets), default=0)

    @property
    def metric_count(self) -> int:
        return sum(metrics_in(w) for w in self.widgets)


def metrics_in(widget: Widget) -> int:
    """Metrics a widget adds to CloudWatch's per-dashboard count: each metrics-array entry."""
    return len(widget.get("properties", {}).get("metrics", []))


def dashboard_name(view: FleetView, page: int, pages: int) -> str:
    base = f"{view.project}-{view.stack}-fleet"
    return base if pages == 1 else f"{base}-{page}"


def build_dashboards(view: FleetView) -> dict[str, dict[str, Any]]:
    """Dashboard name -> body; one dashboard while the fleet fits, more when it does not."""
    overview = overview_section(view)
    sections = [server_section(view, server) for server in view.servers]
    pages: list[list[Section]] = [[]]
    for section in sections:
        if (
            section.metric_count + overview.metric_count > MAX_METRICS
            or len(section.widgets) + len(overview.widgets) > MAX_WIDGETS
        ):
            raise ValueError("one server's section alone exceeds CloudWatch's dashboard limits")
        candidate = [overview, *pages[-1], section]
        if _widgets(candidate) > MAX_WIDGETS or _metrics(candidate) > MAX_METRICS:
            pages.append([])
        pages[-1].append(section)
    bodies = {}
    for index, page in enumerate(pages, start=1):
        name = dashboard_name(view, index, len(pages))
        bodies[name] = {"widgets": _place([overview, *page])}
    return bodies


def _widgets(sections: Sequence[Section]) -> int:
    return sum(len(s.widgets) for s in sections)


def _metrics(sections: Sequence[Section]) -> int:
    return sum(s.metric_count for s in sections)


def _place(sections: Sequence[Section]) -> list[Widget]:
    placed: list[Widget] = []
    top = 0
    for section in sections:
        for widget in section.widgets:
            placed.append({**widget, "y": widget["y"] + top})
        top += section.height
    return placed


# -- widgets -------------------------------------------------------------------------------


def _log_dims(view: FleetView, server: ServerPanel, key: str) -> list[str]:
    """The metric's own dimensions (components/log_metrics.py): name, value, name, value."""
    values = metric(key).server_dimensions(view.environment, server.tenant, server.name)
    return [part for pair in values.items() for part in pair]


def _tool(view: FleetView, server: ServerPanel, key: str, **options: Any) -> list[Any]:
    entry: list[Any] = [NAMESPACE, metric(key).metric_name, *_log_dims(view, server, key)]
    return [*entry, options] if options else entry


def server_section(view: FleetView, server: ServerPanel) -> Section:
    """Per server: the gateway's row (the primary SLI), then what the server itself reports.

    The ALB forwards only to the gateway, so latency, traffic and 5xx per server are the
    gateway's. A remote server has only that row: nothing else of it runs in the cluster."""
    promise = "SLA" if server.remote else "SLO"
    header = text(
        f"## {server.name}{' (remote)' if server.remote else ''}\n"
        f"tenant **{server.tenant}** · {server.tier} · {promise}: tool success ≥ "
        f"{server.success_rate:g} % (monthly), p95 ≤ {server.p95_latency_ms} ms · "
        "primary SLI: tool success measured at the gateway",
        y=0,
        height=2,
    )
    if server.remote:
        return Section([header, *gateway_row(view, server, 2)])
    return Section(
        [
            header,
            *gateway_row(view, server, 2),
            *_server_widgets(view, server),
            *_cause_widgets(view, server),
        ]
    )


def _server_widgets(view: FleetView, server: ServerPanel) -> list[Widget]:
    """Row two, from the server's own lines: success (sees isError), latency, errors by class."""
    success = graph(
        view,
        f"{server.name} tool success % in the server's logs vs SLO (secondary)",
        [
            _tool(view, server, "tool-calls", id="calls", visible=False),
            _tool(view, server, "tool-errors", id="errors", visible=False),
            _tool(view, server, "tool-rejections", id="rejected", visible=False),
            [
                {
                    "id": "success",
                    "label": "tool success %",
                    "expression": f"100 * (1 - {error_ratio_expression(ELIGIBLE_CALLS)})",
                }
            ],
        ],
        0,
        8,
        period=300,
        annotations=[{"label": f"SLO {server.success_rate:g} %", "value": server.success_rate}],
        left_label="percent",
    )
    latency = graph(
        view,
        f"{server.name} latency in the server (ms)",
        [
            _tool(view, server, "tool-latency", stat="p95", label="p95"),
            _tool(view, server, "tool-latency", stat="p99", label="p99"),
        ],
        6,
        8,
        stat="p95",
        annotations=[
            {"label": f"SLO p95 {server.p95_latency_ms} ms", "value": server.p95_latency_ms}
        ],
        left_label="milliseconds",
    )
    calls = graph(
        view,
        f"{server.name} calls and errors in the server",
        [
            _tool(view, server, "tool-calls", label="tool calls"),
            _tool(view, server, "tool-errors", label="tool errors (SLO)"),
            _tool(view, server, "tool-rejections", label="rejected calls"),
        ],
        12,
        8,
    )
    by_class = graph(
        view,
        f"{server.name} errors by class",
        [
            [
                NAMESPACE,
                metric("tool-errors-by-class").metric_name,
                *_log_dims(view, server, "tool-errors-by-class"),
                ERROR_CLASS_DIMENSION,
                error_class.value,
                {"label": error_class.value},
            ]
            for error_class in ErrorClass
        ],
        18,
        8,
        period=300,
        stacked=True,
    )
    return [success, latency, calls, by_class]


def _cause_widgets(view: FleetView, server: ServerPanel) -> list[Widget]:
    """Row three: policy decisions, saturation, pods and dependencies."""
    policy = graph(
        view,
        f"{server.name} policy denials and approvals",
        [
            _tool(view, server, "policy-denials", label="denied"),
            _tool(view, server, "approvals", label="held for approval"),
        ],
        0,
        14,
        period=300,
    )
    pods = ["ClusterName", view.cluster, "Namespace", server.namespace, "PodName", server.name]
    saturation = graph(
        view,
        f"{server.name} saturation (% of pod limit)",
        [
            [CONTAINER_INSIGHTS, "pod_cpu_utilization_over_pod_limit", *pods, {"label": "CPU"}],
            [
                CONTAINER_INSIGHTS,
                "pod_memory_utilization_over_pod_limit",
                *pods,
                {"label": "memory"},
            ],
        ],
        6,
        14,
        stat="Average",
        period=300,
        annotations=[{"label": "saturation alarm", "value": view.saturation_percent}],
        left_label="percent",
    )
    service = ["ClusterName", view.cluster, "Namespace", server.namespace, "Service", server.name]
    health = graph(
        view,
        f"{server.name} pods and dependencies",
        [
            [
                CONTAINER_INSIGHTS,
                "service_number_of_running_pods",
                *service,
                {"label": "running pods"},
            ],
            [
                CONTAINER_INSIGHTS,
                "pod_number_of_container_restarts",
                *pods,
                {"label": "container restarts", "stat": "Sum"},
            ],
            _tool(view, server, "dependency-failures", label="dependency checks failing"),
        ],
        12,
        14,
        stat="Maximum",
    )
    return [policy, saturation, health]


def overview_section(view: FleetView) -> Section:
    """The fleet at a glance: what is alarming, which dependencies fail, which errors dominate."""
    group = view.application_log_group
    widgets: list[Widget] = [
        text(
            f"# {view.project} {view.stack}: MCP fleet\n"
            "The load balancer forwards only to the gateway: its row shows the front door. "
            "Per server, measured at the gateway: tool success against its SLO (the primary "
            "SLI), latency p50/p95/p99, denials by reason, traffic and 5xx by tool; then the "
            "server's own lines (tool success with isError, latency, errors by class), policy "
            "decisions, saturation, pods and dependencies. Runbooks: `docs/runbooks/`.",
            y=0,
        )
    ]
    arns = list(view.alarm_arns)
    chunks = [
        arns[i : i + MAX_ALARMS_PER_WIDGET] for i in range(0, len(arns), MAX_ALARMS_PER_WIDGET)
    ]
    y = 2
    for index, chunk in enumerate(chunks):
        widgets.append(
            {
                "type": "alarm",
                "x": 0,
                "y": y,
                "width": GRID_WIDTH,
                "height": 4,
                "properties": {
                    "title": "Alarms that notify" + (f" ({index + 1})" if len(chunks) > 1 else ""),
                    "alarms": chunk,
                    "sortBy": "stateUpdatedTimestamp",
                },
            }
        )
        y += 4
    for x, title, query in (
        (
            0,
            "Failing dependencies (last checks)",
            f"SOURCE '{group}' | filter log_processed.event = 'dependency_check' "
            "and log_processed.status != 'up' "
            "| stats count(*) as failures by log_processed.server, log_processed.dependency, "
            "log_processed.status | sort failures desc | limit 50",
        ),
        (
            12,
            "Top error classes",
            f"SOURCE '{group}' | filter log_processed.event = 'tool_call' "
            "and log_processed.outcome != 'success' "
            "| stats count(*) as calls by log_processed.server, log_processed.error_class "
            "| sort calls desc | limit 50",
        ),
    ):
        widgets.append(
            {
                "type": "log",
                "x": x,
                "y": y,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": title,
                    "region": view.region,
                    "query": query,
                    "view": "table",
                },
            }
        )
    return Section([*widgets, *load_balancer_row(view, y + 6)])
