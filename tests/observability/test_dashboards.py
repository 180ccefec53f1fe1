"""The fleet dashboard: every server's signals, within CloudWatch's limits, split when needed."""

from __future__ import annotations

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
                load_balancer="app/mcp-fleet-prod/0123",
                target_group=f"targetgroup/server-{i}/0123",
            )
            for i in range(servers)
        ],
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


def test_a_server_costs_nine_widgets_and_twenty_nine_metrics() -> None:
    section = server_section(_view(1), _view(1).servers[0])
    assert len(section.widgets) == 9
    assert section.metric_count == 29


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
    """Overview (text, alarms, two log tables) = 4 widgets; 55 servers x 9 = 495 fit in 500,
    56 do not. Their metrics (55 x 29 = 1,595) stay under 2,500."""
    one = build_dashboards(_view(55, alarms_per_server=1))
    assert len(one) == 1
    (body,) = one.values()
    assert len(body["widgets"]) == 499
    assert len(build_dashboards(_view(56, alarms_per_server=1))) == 2


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
        for signal in ("latency", "traffic", "errors", "tool success % vs SLO", "errors by class",
                       "policy denials and approvals", "saturation", "targets and dependencies"):  # fmt: skip
            assert any(t.startswith(f"{server.name} {signal}") for t in titles), (
                server.name,
                signal,
            )
        success = next(
            w
            for w in body["widgets"]
            if w["properties"].get("title") == f"{server.name} tool success % vs SLO"
        )
        assert (
            success["properties"]["annotations"]["horizontal"][0]["value"]
            == server.slo.tool_success_rate
        )
        latency = next(
            w
            for w in body["widgets"]
            if w["properties"].get("title", "").startswith(f"{server.name} latency")
        )
        assert (
            latency["properties"]["annotations"]["horizontal"][0]["value"]
            == server.slo.p95_latency_ms / 1000
        )
    assert f"/aws/containerinsights/{settings.cluster.name}/application" in text
    (alarm_widget,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert len(alarm_widget["properties"]["alarms"]) == len(NOTIFYING_KINDS) * len(settings.servers)
    assert not any("burn-rate-1h" in arn for arn in alarm_widget["properties"]["alarms"])
