"""The tenant dashboard builder: its servers only, within CloudWatch's per-dashboard limits."""

from __future__ import annotations

import json

import pytest

from components.dashboards import MAX_METRICS, MAX_WIDGETS, ServerPanel
from components.tenant_dashboard import TenantView, build_tenant_dashboards

DASHBOARD_BODY_BYTES = 1_048_576
"""PutDashboard refuses a body over 1 MB."""


def panel(name: str, tenant: str = "acme", success_rate: float = 99.0) -> ServerPanel:
    return ServerPanel(
        name=name,
        tenant=tenant,
        namespace=f"mcp-{tenant}",
        tier="tier-1",
        success_rate=success_rate,
        p95_latency_ms=400,
    )


def view(servers: list[ServerPanel]) -> TenantView:
    return TenantView(
        project="mcp-fleet",
        stack="prod",
        environment="prod",
        region="eu-west-1",
        cluster="fleet-prod",
        tenant="acme",
        owner="acme-team@example.com",
        namespace="mcp-acme",
        log_group="/mcp-fleet-prod/tenant/acme",
        monthly_budget_usd=500,
        quota_pods=60,
        saturation_percent=90,
        alarm_arns=("arn:aws:cloudwatch:eu-west-1:111122223333:alarm:acme-pods-quota",),
        servers=tuple(servers),
    )


def metric_count(body: dict) -> int:
    return sum(len(w["properties"].get("metrics", [])) for w in body["widgets"])


def test_one_dashboard_while_the_tenant_fits() -> None:
    bodies = build_tenant_dashboards(view([panel("search"), panel("mail")]))
    assert list(bodies) == ["mcp-fleet-prod-tenant-acme"]
    (body,) = bodies.values()
    kinds = [w["type"] for w in body["widgets"]]
    assert kinds.count("alarm") == 1 and kinds.count("log") == 1


def test_the_error_budget_divides_by_the_servers_own_budget() -> None:
    (body,) = build_tenant_dashboards(view([panel("search", success_rate=99.99)])).values()
    (budget,) = [
        w for w in body["widgets"] if w["properties"].get("title") == "search error budget left %"
    ]
    expression = budget["properties"]["metrics"][-1][0]["expression"]
    assert expression.endswith("/ 0.0001)")
    assert "e-" not in expression
    assert budget["properties"]["start"] == "-P30D"
    assert budget["properties"]["setPeriodToTimeRange"] is True


def test_a_large_tenant_is_split_and_every_page_stays_within_limits() -> None:
    servers = [panel(f"server-{i:03d}") for i in range(160)]
    bodies = build_tenant_dashboards(view(servers))
    assert len(bodies) > 1
    assert next(iter(bodies)) == "mcp-fleet-prod-tenant-acme-1"
    shown = set()
    for body in bodies.values():
        assert len(body["widgets"]) <= MAX_WIDGETS
        assert metric_count(body) <= MAX_METRICS
        assert len(json.dumps(body)) <= DASHBOARD_BODY_BYTES
        assert body["widgets"][0]["properties"]["markdown"].startswith("# Tenant acme")
        for widget in body["widgets"]:
            for entry in widget["properties"].get("metrics", []):
                if "Server" in entry:
                    shown.add(entry[entry.index("Server") + 1])
    assert shown == {s.name for s in servers}


def test_another_tenants_server_is_refused() -> None:
    with pytest.raises(ValueError, match="servers of other tenants: \\['crm'\\]"):
        build_tenant_dashboards(view([panel("search"), panel("crm", tenant="globex")]))
