"""A tenant's own dashboard as data: its servers' four signals, SLOs and error budgets.

Pure, like ``components.dashboards``, whose per-server section it reuses so a server looks the
same on the fleet's dashboard and on its tenant's. On top: the tenant at a glance (owner,
budget, pods against its quota, its alarms, its log group's top errors); under each server:
the SLO over the last 30 days and how much error budget is left. CloudWatch's limits (500
widgets, 2,500 metrics per dashboard) split a large tenant over several dashboards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from components.dashboard_widgets import GRID_WIDTH, Widget, text
from components.dashboards import (
    CONTAINER_INSIGHTS,
    MAX_METRICS,
    MAX_WIDGETS,
    FleetView,
    Section,
    ServerPanel,
    server_section,
)
from components.log_metrics import NAMESPACE, metric
from components.slo_math import (
    ELIGIBLE_CALLS,
    SLO_PERIOD_DAYS,
    error_budget,
    error_ratio_expression,
)

DASHBOARD_NAME = r"^[A-Za-z0-9_-]{1,255}$"


@dataclass(frozen=True)
class TenantView:
    """What the tenant's dashboard shows, every Output already resolved."""

    project: str
    stack: str
    environment: str
    region: str
    cluster: str
    tenant: str
    owner: str
    namespace: str
    log_group: str
    monthly_budget_usd: float
    quota_pods: int
    saturation_percent: int
    alarm_arns: Sequence[str] = ()
    servers: Sequence[ServerPanel] = field(default_factory=tuple)

    def fleet_view(self) -> FleetView:
        """The same view narrowed to this tenant, for the fleet dashboard's server section."""
        return FleetView(
            project=self.project,
            stack=self.stack,
            environment=self.environment,
            region=self.region,
            cluster=self.cluster,
            application_log_group=self.log_group,
            saturation_percent=self.saturation_percent,
            alarm_arns=tuple(self.alarm_arns),
            servers=tuple(self.servers),
        )


def tenant_dashboard_name(view: TenantView, page: int = 1, pages: int = 1) -> str:
    base = f"{view.project}-{view.stack}-tenant-{view.tenant}"
    return base if pages == 1 else f"{base}-{page}"


def build_tenant_dashboards(view: TenantView) -> dict[str, dict[str, Any]]:
    """Dashboard name -> body; the overview repeats on every page when servers overflow one."""
    foreign = [s.name for s in view.servers if s.tenant != view.tenant]
    if foreign:
        raise ValueError(
            f"tenant {view.tenant}'s dashboard lists servers of other tenants: {foreign}"
        )
    overview = tenant_overview(view)
    pages: list[list[Section]] = [[]]
    for server in view.servers:
        section = _server_with_budget(view, server)
        candidate = [overview, *pages[-1], section]
        if _widgets(candidate) > MAX_WIDGETS or _metrics(candidate) > MAX_METRICS:
            if not pages[-1]:
                raise ValueError(f"{server.name}'s section alone exceeds CloudWatch's limits")
            pages.append([])
        pages[-1].append(section)
    return {
        tenant_dashboard_name(view, index, len(pages)): {"widgets": _place([overview, *page])}
        for index, page in enumerate(pages, start=1)
    }


def _widgets(sections: Sequence[Section]) -> int:
    return sum(len(s.widgets) for s in sections)


def _metrics(sections: Sequence[Section]) -> int:
    return sum(s.metric_count for s in sections)


def _place(sections: Sequence[Section]) -> list[Widget]:
    placed: list[Widget] = []
    top = 0
    for section in sections:
        placed += [{**widget, "y": widget["y"] + top} for widget in section.widgets]
        top += section.height
    return placed


def tenant_overview(view: TenantView) -> Section:
    """Who owns the tenant, what it may spend and run, what is alarming, which errors dominate."""
    header = text(
        f"# Tenant {view.tenant} ({view.project} {view.stack})\n"
        f"Owner {view.owner} · budget {view.monthly_budget_usd:g} USD a month · quota "
        f"{view.quota_pods} pods in `{view.namespace}` · logs in `{view.log_group}`",
        y=0,
    )
    pods = {
        "type": "metric",
        "x": 0,
        "y": 2,
        "width": 12,
        "height": 6,
        "properties": {
            "title": f"{view.namespace} running pods vs quota",
            "region": view.region,
            "view": "timeSeries",
            "stat": "Maximum",
            "period": 60,
            "metrics": [
                [
                    CONTAINER_INSIGHTS,
                    "namespace_number_of_running_pods",
                    "ClusterName",
                    view.cluster,
                    "Namespace",
                    view.namespace,
                    {"label": "running pods"},
                ]
            ],
            "annotations": {"horizontal": [{"label": "quota", "value": view.quota_pods}]},
            "yAxis": {"left": {"min": 0}},
        },
    }
    errors = {
        "type": "log",
        "x": 12,
        "y": 2,
        "width": 12,
        "height": 6,
        "properties": {
            "title": "Top error classes",
            "region": view.region,
            "view": "table",
            "query": f"SOURCE '{view.log_group}' | filter log_processed.event = 'tool_call' "
            "and log_processed.outcome != 'success' | stats count(*) as calls by "
            "log_processed.server, log_processed.error_class | sort calls desc | limit 50",
        },
    }
    widgets: list[Widget] = [header, pods, errors]
    if view.alarm_arns:
        widgets.append(
            {
                "type": "alarm",
                "x": 0,
                "y": 8,
                "width": GRID_WIDTH,
                "height": 3,
                "properties": {"title": "Tenant alarms", "alarms": list(view.alarm_arns)[:100]},
            }
        )
    return Section(widgets)


def _server_with_budget(view: TenantView, server: ServerPanel) -> Section:
    """The fleet dashboard's server section, then its SLO and error budget over 30 days."""
    signals = server_section(view.fleet_view(), server)
    top = signals.height
    return Section([*signals.widgets, *_budget_widgets(view, server, top)])


def _budget_widgets(view: TenantView, server: ServerPanel, y: int) -> list[Widget]:
    def tool(key: str, query_id: str) -> list[Any]:
        values = metric(key).server_dimensions(view.environment, server.tenant, server.name)
        dims = [part for pair in values.items() for part in pair]
        return [NAMESPACE, metric(key).metric_name, *dims, {"id": query_id, "visible": False}]

    ratio = error_ratio_expression(ELIGIBLE_CALLS)
    budget = error_budget(server.success_rate)
    expressions = {
        "success": (f"100 * (1 - {ratio})", f"tool success % ({SLO_PERIOD_DAYS} d)"),
        "budget": (f"100 * (1 - ({ratio}) / {_decimal(budget)})", "error budget left %"),
    }
    widgets = []
    for x, (query_id, (expression, label)) in zip((0, 12), expressions.items(), strict=True):
        widgets.append(
            {
                "type": "metric",
                "x": x,
                "y": y,
                "width": 12,
                "height": 3,
                "properties": {
                    "title": f"{server.name} {label}",
                    "region": view.region,
                    "view": "singleValue",
                    "stat": "Sum",
                    "period": 3600,
                    "start": f"-P{SLO_PERIOD_DAYS}D",
                    "setPeriodToTimeRange": True,
                    "metrics": [
                        tool("tool-calls", "calls"),
                        tool("tool-errors", "errors"),
                        tool("tool-rejections", "rejected"),
                        [{"id": query_id, "label": label, "expression": expression}],
                    ],
                },
            }
        )
    return widgets


def _decimal(value: float) -> str:
    """0.00001 -> '0.00001': metric math reads plain decimals, not ``1e-05``."""
    return f"{value:.10f}".rstrip("0").rstrip(".")
