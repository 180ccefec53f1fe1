"""The fleet dashboard: every server's signals, within CloudWatch's limits, split when needed."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from components.dashboards import (
    MAX_METRICS,
    MAX_WIDGETS,
    FleetView,
    ServerPanel,
    build_dashboards,
    metrics_in,
    server_section,
)
from tests.observability.built_observability import STACKS, built, variant
from tests.observability.cloudwatch_api import DASHBOARD
from tests.observability.rendered_alarms import NOTIFYING_KINDS

WIDGET_TYPES = {"metric", "text", "log", "alarm"}


def _view(servers: int, alarms_per_server: int = 8) -> FleetView:
    return FleetView(
        project="mcp-fleet",
        stack="prod",
        environment="prod",
        region="eu-west-1",
        cluster="platform-prod",
        application_log_group="/aws/containerinsights/platform-prod/application",
        saturation_percent=90,
        alarm_arns=[
            f"arn:aws:cloudwatch:eu-west-1:1:alarm:a{i}" for i in range(servers * alarms_per_server)
        ],
        servers=[
            ServerPanel(
                name=f"server-{i}",
                tenant="storefront",
                namespace="mcp-storefront",
                tier="tier-1",
                success_rate=99.5,
                p95_latency_ms=300,
            )
            for i in range(servers)
        ],
        load_balancer="app/mcp-fleet-prod/0123",
        gateway_target_group="targetgroup/mcp-prod-gateway/0123",
    )


def _check_body(body: dict[str, Any]) -> None:
    """The structure CloudWatch's dashboard body reference asks for."""
    widgets = body["widgets"]
    assert len(widgets) <= MAX_WIDGETS
    assert sum(metrics_in(w) for w in widgets) <= MAX_METRICS
    cells: set[tuple[int, int]] = set()
    for widget in widgets:
        assert widget["type"] in WIDGET_TYPES
        assert widget["x"] >= 0 and widget["x"] + widget["width"] <= 24
        assert 1 <= widget["width"] <= 24 and 1 <= widget["height"] <= 1000
        for x in range(widget["x"], widget["x"] + widget["width"]):
            for y in range(widget["y"], widget["y"] + widget["height"]):
                assert (x, y) not in cells, f"widgets overlap at {(x, y)}"
                cells.add((x, y))
        properties = widget["properties"]
        if widget["type"] == "metric":
            assert properties["region"] and properties["metrics"]
            for entry in properties["metrics"]:
                if isinstance(entry[0], dict):
                    assert "expression" in entry[0] and "id" in entry[0]
                else:
                    names = [e for e in entry if not isinstance(e, dict)]
                    assert len(names) % 2 == 0, entry  # namespace, name, then dimension pairs
        elif widget["type"] == "alarm":
            assert 1 <= len(properties["alarms"]) <= 100
        elif widget["type"] == "log":
            assert properties["query"].startswith("SOURCE '")


def test_a_server_costs_twelve_widgets_and_thirty_nine_metrics() -> None:
    """13 from the gateway: success (3), p50/p95/p99 (3), denials by each of 5 reasons,
    requests and 5xx, plus one per approved tool; 26 of its own: success (4), p95/p99 (2),
    calls/errors/rejections (3), 10 error classes, policy (2), saturation (2), pods (2) and
    dependencies (1). No load balancer metric: the ALB only sees the gateway."""
    section = server_section(_view(1), _view(1).servers[0])
    assert len(section.widgets) == 12
    assert section.metric_count == 39
    tools = dataclasses.replace(_view(1).servers[0], tools=("search", "read"))
    assert server_section(_view(1), tools).metric_count == 41
    assert "AWS/ApplicationELB" not in json.dumps(section.widgets)


def test_a_remote_server_has_only_the_gateway_row_against_its_sla() -> None:
    remote = dataclasses.replace(
        _view(1).servers[0], remote=True, success_rate=99.0, p95_latency_ms=800, tools=("q",)
    )
    section = server_section(_view(1), remote)
    _check_body({"widgets": section.widgets})
    header, *graphs = section.widgets
    assert "(remote)" in header["properties"]["markdown"]
    assert "SLA: tool success ≥ 99 %" in header["properties"]["markdown"]
    namespaces = {
        entry[0]
        for widget in graphs
        for entry in widget["properties"]["metrics"]
        if isinstance(entry[0], str)
    }
    assert namespaces == {"McpFleet/Gateway/prod"}
    latency = next(w for w in graphs if "latency" in w["properties"]["title"])
    assert [e[-1]["label"] for e in latency["properties"]["metrics"]] == ["p50", "p95", "p99"]
    assert latency["properties"]["annotations"]["horizontal"][0]["value"] == 800


def test_a_small_fleet_fits_one_dashboard() -> None:
    bodies = build_dashboards(_view(6))
    assert list(bodies) == ["mcp-fleet-prod-fleet"]
    _check_body(bodies["mcp-fleet-prod-fleet"])


def test_a_large_fleet_is_split_and_every_server_appears_once() -> None:
    view = _view(300)
    bodies = build_dashboards(view)
    assert len(bodies) > 1
    assert list(bodies) == [f"mcp-fleet-prod-fleet-{i}" for i in range(1, len(bodies) + 1)]
    headers = []
    for body in bodies.values():
        _check_body(body)
        headers += [
            w["properties"]["markdown"].split("\n")[0]
            for w in body["widgets"]
            if w["type"] == "text" and w["properties"]["markdown"].startswith("## ")
        ]
        # Every page repeats the overview.
        assert body["widgets"][0]["properties"]["markdown"].startswith("# mcp-fleet prod")
    assert headers == [f"## server-{i}" for i in range(300)]


def test_the_widget_limit_binds_first() -> None:
    """Overview (text, alarms, two log tables, two load balancer graphs) = 6 widgets; 41
    servers x 12 = 492 fit in 500, 42 do not. Their metrics (41 x 39 + 6 = 1,605) stay under
    2,500."""
    one = build_dashboards(_view(41, alarms_per_server=1))
    assert len(one) == 1
    (body,) = one.values()
    assert len(body["widgets"]) == 498
    assert sum(metrics_in(w) for w in body["widgets"]) == 1605
    assert len(build_dashboards(_view(42, alarms_per_server=1))) == 2


def test_the_overview_shows_the_load_balancer_in_front_of_the_gateway() -> None:
    (body,) = build_dashboards(_view(1)).values()
    titled = {w["properties"].get("title", ""): w["properties"] for w in body["widgets"]}
    answered = titled["Load balancer: requests and 5xx"]["metrics"]
    balancer = ["LoadBalancer", "app/mcp-fleet-prod/0123"]
    targets = [*balancer, "TargetGroup", "targetgroup/mcp-prod-gateway/0123"]
    assert [e[:-1] for e in answered] == [
        ["AWS/ApplicationELB", "RequestCount", *balancer],
        ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", *balancer],
        ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", *targets],
    ]
    gateway = titled["Load balancer: gateway targets and response time"]["metrics"]
    assert [e[1] for e in gateway] == [
        "HealthyHostCount",
        "UnHealthyHostCount",
        "TargetResponseTime",
    ]
    assert all(e[2:-1] == targets for e in gateway)


@pytest.mark.parametrize("stack", STACKS)
def test_rendered_dashboard_shows_every_server_against_its_slo(stack: str) -> None:
    result = built(stack)
    (dashboard,) = result.of_type(DASHBOARD)
    assert dashboard["inputs"]["dashboardName"] == f"mcp-fleet-{stack}-fleet"
    body = json.loads(dashboard["inputs"]["dashboardBody"])
    _check_body(body)
    text = json.dumps(body)
    settings = variant(stack)
    for server in settings.servers:
        titles = [w["properties"].get("title", "") for w in body["widgets"]]
        for signal in ("tool success % at the gateway vs SLO", "latency at the gateway (ms)",
                       "denials at the gateway", "traffic at the gateway",
                       "tool success % in the server's logs vs SLO", "latency in the server",
                       "calls and errors in the server", "errors by class",
                       "policy denials and approvals", "saturation", "pods and dependencies"):  # fmt: skip
            assert any(t.startswith(f"{server.name} {signal}") for t in titles), (
                server.name,
                signal,
            )
        for title, expected in (
            ("tool success % at the gateway vs SLO", server.slo.tool_success_rate),
            (
                "tool success % in the server's logs vs SLO (secondary)",
                server.slo.tool_success_rate,
            ),
            ("latency at the gateway (ms)", server.slo.p95_latency_ms),
            ("latency in the server (ms)", server.slo.p95_latency_ms),
        ):
            (widget,) = [
                w
                for w in body["widgets"]
                if w["properties"].get("title") == f"{server.name} {title}"
            ]
            assert widget["properties"]["annotations"]["horizontal"][0]["value"] == expected
        _check_gateway_row(body["widgets"], stack, server.name, server.tenant)
    assert f"/aws/containerinsights/{settings.cluster.name}/application" in text
    (alarm_widget,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    fleet_alarms = 2  # the load balancer's 5xx and the gateway's unhealthy targets
    assert len(alarm_widget["properties"]["alarms"]) == (
        len(NOTIFYING_KINDS) * len(settings.servers) + fleet_alarms
    )
    assert not any("burn-rate-1h" in arn for arn in alarm_widget["properties"]["alarms"])


def _check_gateway_row(widgets: list[dict[str, Any]], stack: str, name: str, tenant: str) -> None:
    """The server's row from the gateway: its success SLI, percentiles and denial reasons."""
    titled = {w["properties"].get("title", ""): w for w in widgets}
    success = titled[f"{name} tool success % at the gateway vs SLO"]["properties"]["metrics"]
    assert [e[:6] for e in success[:2]] == [
        [f"McpFleet/Gateway/{stack}", metric, "Tenant", tenant, "Server", name]
        for metric in ("ToolCalls", "ToolErrors")
    ]
    latency = titled[f"{name} latency at the gateway (ms)"]["properties"]["metrics"]
    assert [e[-1]["stat"] for e in latency] == ["p50", "p95", "p99"]
    denials = titled[f"{name} denials at the gateway by reason"]["properties"]["metrics"]
    assert {e[7] for e in denials} == {
        "unauthenticated", "forbidden-tenant", "tool-not-approved", "rate-limited", "bad-request",
    }  # fmt: skip
