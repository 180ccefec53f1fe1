"""How the review says a server is reached, now that the ALB forwards only to the gateway.

Per server: its route at the gateway (URL, tenant, session, upstream) read from the gateway's
rendered ConfigMap, then the ALB's listener rule for that URL's host, the target group it
forwards to and the group's TargetGroupBinding (the gateway's, shared by every server). The
stack's ``servers`` output is each route's URL. Checked on real renders, and on renders
changed so that a server has no route, or the ALB no rule for the gateway's host.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

from lab.stack import load_stack
from review.gateway_section import gateway_summary
from review.render import RenderedStack
from review.report import build_review
from review.report_text import render_text

WIDE = 400
"""Wide enough that no row of a server's table wraps."""
RULE = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
BINDING = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"


def only(records: list[dict[str, Any]], type_token: str) -> dict[str, Any]:
    found = [r for r in records if r["type"] == type_token]
    assert len(found) == 1, f"{len(found)} {type_token}"
    return found[0]


def rows(text: str, server: str) -> dict[str, str]:
    """A server's table in the text report as {fact: value}."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{server}  (tenant "))
    facts: dict[str, str] = {}
    for line in lines[start + 2 :]:
        if line.startswith("└"):
            break
        cells = [cell.strip() for cell in line.strip("│").split("│")]
        if len(cells) == 2 and cells[0]:
            facts[cells[0]] = cells[1]
    return facts


def test_each_server_reads_its_gateway_route_and_the_shared_alb_path(
    rendered: Callable[[str], RenderedStack],
) -> None:
    stack = rendered("staging")
    review = build_review(stack, load_stack("staging"))
    assert review.gateway is not None
    routes = {route.server: route for route in review.gateway.routes}
    rule = only(stack.resources, RULE)
    group = only(stack.resources, TARGET_GROUP)
    binding = only(stack.resources, BINDING)
    text = render_text(review, width=WIDE)
    assert "no listener rule" not in text and "server_fleet" not in text
    assert {server.name for server in review.servers} == set(routes)
    for server in review.servers:
        route = routes[server.name]
        assert route.resource == f"https://mcp.staging.acme.example/{server.name}/mcp"
        assert (server.target_group, server.binding) == (group["urn"], binding["urn"])
        assert server.route is not None and server.route.listener_rule == rule["urn"]
        assert server.hostname == "mcp.staging.acme.example"
        facts = rows(text, server.name)
        assert facts["route"] == (
            f"{route.resource} -> gateway (tenant {route.tenant}, session {route.session}) "
            f"-> {route.kind} {route.upstream}"
        )
        assert facts["load balancer"] == (
            f"https://mcp.staging.acme.example (rule priority {server.route.priority}) "
            "-> target group mcp-lb-gateway (binding mcp-lb-gateway-binding), "
            "shared by every server"
        )
    crm = rows(text, "partner-crm")["route"]
    assert crm == (
        "https://mcp.staging.acme.example/partner-crm/mcp -> gateway (tenant storefront, "
        "session one-upstream) -> remote https://mcp.crm.partner.example/mcp"
    )
    assert "session pinned) -> local slack.mcp-storefront.svc" in rows(text, "slack")["route"]


def test_a_server_the_gateway_does_not_route_is_said_to_be_unreachable(
    rendered: Callable[[str], RenderedStack],
) -> None:
    settings = load_stack("dev")
    first = settings.servers[0]
    ghost = dataclasses.replace(first, name="ghost", hostname="ghost.mcp.dev.acme.example")
    review = build_review(
        rendered("dev"), dataclasses.replace(settings, servers=(*settings.servers, ghost))
    )
    server = next(s for s in review.servers if s.name == "ghost")
    assert (server.route, server.target_group, server.binding) == (None, None, None)
    assert server.hostname == "ghost.mcp.dev.acme.example"  # the settings', serving nothing
    facts = rows(render_text(review, width=WIDE), "ghost")
    assert facts["route"] == "not routed by the gateway: unreachable"
    assert facts["load balancer"] == "no listener rule forwards ghost.mcp.dev.acme.example"
    assert rows(render_text(review, width=WIDE), first.name)["route"].startswith(
        f"https://mcp.dev.acme.example/{first.name}/mcp -> gateway"
    )


def test_an_alb_with_no_rule_for_the_gateways_host_reaches_no_server(
    rendered: Callable[[str], RenderedStack],
) -> None:
    stack = rendered("dev")
    records = copy.deepcopy(stack.resources)
    rule = only(records, RULE)
    rule["inputs"]["conditions"] = [{"hostHeader": {"values": ["stale.mcp.dev.acme.example"]}}]
    review = build_review(dataclasses.replace(stack, resources=records), load_stack("dev"))
    text = render_text(review, width=WIDE)
    for server in review.servers:
        assert (server.route, server.target_group, server.binding) == (None, None, None)
        facts = rows(text, server.name)
        assert facts["load balancer"] == "no listener rule forwards mcp.dev.acme.example"
        assert facts["route"].startswith(f"https://mcp.dev.acme.example/{server.name}/mcp")


def test_the_servers_output_is_each_routes_url(rendered: Callable[[str], RenderedStack]) -> None:
    for name in ("dev", "staging", "prod"):
        stack = rendered(name)
        gateway = gateway_summary(stack.resources)
        assert gateway is not None
        urls = {route.server: route.resource for route in gateway.routes}
        assert stack.exports["servers"] == urls, name
        assert {server.name for server in load_stack(name).servers} == set(urls), name
