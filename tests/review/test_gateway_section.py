"""The review's gateway section: replicas and routes read from the rendered resources."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from gateway.render import render
from gateway.stack_gateway import stack_gateway_config
from lab.stack import load_stack
from review.gateway_section import gateway_routes, gateway_summary
from review.render import RenderedStack
from review.report import build_review
from review.report_json import render_json
from review.report_markdown import StackSection, render_markdown
from review.report_text import render_text

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
AUTOSCALER = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
GATEWAY = {"app.kubernetes.io/component": "gateway"}


def record(type_token: str, inputs: dict[str, Any], labels: dict[str, str] = GATEWAY) -> dict:
    metadata = {"name": "mcp-gateway", "namespace": "mcp-gateway", "labels": labels}
    return {
        "urn": f"urn::{type_token}",
        "type": type_token,
        "inputs": {"metadata": metadata, **inputs},
    }


def test_every_route_with_its_tenant_tools_session_and_upstream() -> None:
    settings = load_stack("staging")
    routes = {r.server: r for r in gateway_routes(render(stack_gateway_config(settings)))}
    assert set(routes) == {server.name for server in settings.servers}
    crm = routes["partner-crm"]
    assert (crm.kind, crm.upstream, crm.session) == (
        "remote",
        "https://mcp.crm.partner.example/mcp",
        "one-upstream",
    )
    assert crm.resource == "https://mcp.staging.acme.example/partner-crm/mcp"
    assert (crm.tenant, crm.approved_tools) == (
        "storefront",
        ["get_account", "list_cases", "search_accounts"],
    )
    slack, github = routes["slack"], routes["github"]
    assert (slack.kind, slack.session, github.session) == ("local", "pinned", "per-request")
    assert slack.upstream.startswith("slack.mcp-storefront.svc")
    assert routes["postgres-query"].tenant == "research"


def test_a_route_with_no_approved_tool_lists_none() -> None:
    settings = load_stack("dev")
    server = settings.servers[0]
    entry = server.entry.model_copy(update={"approved_tools": ()})
    changed = dataclasses.replace(settings, servers=(dataclasses.replace(server, entry=entry),))
    [route] = gateway_routes(render(stack_gateway_config(changed)))
    assert (route.server, route.approved_tools) == (server.name, [])


def test_replicas_come_from_the_deployment_and_the_autoscaler() -> None:
    text = render(stack_gateway_config(load_stack("prod")))
    summary = gateway_summary(
        [
            record(CONFIG_MAP, {"data": {"haproxy.cfg": text}}),
            record(DEPLOYMENT, {"spec": {"replicas": 3.0}}),
            record(AUTOSCALER, {"spec": {"minReplicas": 3.0, "maxReplicas": 6.0}}),
            record(
                DEPLOYMENT,
                {"spec": {"replicas": 9}},
                labels={"app.kubernetes.io/component": "server"},
            ),
        ]
    )
    assert summary is not None
    assert (summary.namespace, summary.replicas, summary.min_replicas, summary.max_replicas) == (
        "mcp-gateway",
        3,
        3,
        6,
    )
    assert {route.kind for route in summary.routes} == {"local"}


def test_a_render_without_a_gateway_has_no_section() -> None:
    assert gateway_summary([record(DEPLOYMENT, {"spec": {"replicas": 3}})]) is None


def test_the_staging_review_shows_the_gateway_in_text_markdown_and_json(
    rendered: Callable[[str], RenderedStack],
) -> None:
    review = build_review(rendered("staging"), load_stack("staging"))
    gateway = review.gateway
    assert gateway is not None and gateway.namespace == "mcp-gateway"
    assert gateway.min_replicas is not None and gateway.replicas is not None
    assert [r.server for r in gateway.routes if r.kind == "remote"] == ["partner-crm"]
    text = render_text(review)
    assert "Gateway routes (gateway https://mcp.staging.acme.example in mcp-gateway:" in text
    assert "https://mcp.crm.partner.example/mcp" in text
    markdown = render_markdown([StackSection(review=review)])
    assert f"<summary>Gateway ({len(gateway.routes)} routes)</summary>" in markdown
    assert "| `partner-crm` | /partner-crm/mcp | storefront | one-upstream |" in markdown
    document = json.loads(render_json(review))
    crm = next(r for r in document["gateway"]["routes"] if r["server"] == "partner-crm")
    assert crm["kind"] == "remote" and crm["upstream"] == "https://mcp.crm.partner.example/mcp"
