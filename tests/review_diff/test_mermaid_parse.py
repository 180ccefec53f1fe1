"""The review's diagrams parse with Mermaid's own parser (tools/mermaid), as GitHub renders them.

The example stacks' diagrams, and one whose names and hosts hold every character that could
break a label: escaping must hold up in the real parser, not only in a string check.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from review.gateway_section import gateway_summary
from review.mermaid import stack_diagram
from review.render import RenderedStack
from tests.pipeline.node_tools import ROOT, node_tool

LISTENER = "urn:pulumi:prod::p::aws:lb/listener:Listener::l"
LB = "urn:pulumi:prod::p::aws:lb/loadBalancer:LoadBalancer::subgraph"
HOSTILE = 'a "quoted" <b>#1</b> | [x] {y} `z` & end'


@pytest.fixture(scope="module")
def mermaid_check() -> list[str]:
    return node_tool("mermaid", "mermaid/package.json", "check.mjs")


def hostile_stack() -> RenderedStack:
    server = {"mcp-fleet.io/server": HOSTILE}
    deployment = {
        "urn": "urn:pulumi:prod::p::kubernetes:apps/v1:Deployment::end",
        "type": "kubernetes:apps/v1:Deployment",
        "name": "end",
        "parent": None,
        "inputs": {"metadata": {"name": HOSTILE, "namespace": HOSTILE, "labels": server}},
        "propertyDependencies": {},
    }
    rule = {
        "urn": "urn:pulumi:prod::p::aws:lb/listenerRule:ListenerRule::r",
        "type": "aws:lb/listenerRule:ListenerRule",
        "name": "r",
        "parent": None,
        "inputs": {"conditions": [{"hostHeader": {"values": [HOSTILE]}}], "tags": server},
        "propertyDependencies": {"listenerArn": [LISTENER]},
    }
    listener = {
        "urn": LISTENER,
        "type": "aws:lb/listener:Listener",
        "name": "l",
        "parent": None,
        "inputs": {"protocol": "HTTPS", "port": 443},
        "propertyDependencies": {"loadBalancerArn": [LB]},
    }
    lb = {
        "urn": LB,
        "type": "aws:lb/loadBalancer:LoadBalancer",
        "name": "subgraph",
        "parent": None,
        "inputs": {"name": HOSTILE},
        "propertyDependencies": {},
    }
    alarm = {
        "urn": "urn:pulumi:prod::p::aws:cloudwatch/metricAlarm:MetricAlarm::a",
        "type": "aws:cloudwatch/metricAlarm:MetricAlarm",
        "name": "a",
        "parent": None,
        "inputs": {"name": HOSTILE, "tags": server},
        "propertyDependencies": {},
    }
    return RenderedStack("p", "prod", [deployment, rule, listener, lb, alarm])


def test_every_diagram_parses(
    mermaid_check: list[str], rendered: Callable[[str], RenderedStack], tmp_path: Path
) -> None:
    diagrams = {stack: stack_diagram(rendered(stack)) for stack in ("dev", "staging", "prod")}
    diagrams["hostile"] = stack_diagram(hostile_stack())
    assert HOSTILE not in diagrams["hostile"]
    assert "lb_subgraph -->|" in diagrams["hostile"]  # the route was drawn, escaped
    files = []
    for name, diagram in diagrams.items():
        files.append(tmp_path / f"{name}.mmd")
        files[-1].write_text(diagram)
    result = subprocess.run(
        [*mermaid_check, *map(str, files)], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": ok (flowchart") == len(files)


def test_the_checker_does_reject_a_broken_label(mermaid_check: list[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.mmd"
    broken.write_text('flowchart LR\n  a["a "quoted" label"]\n')
    result = subprocess.run(
        [*mermaid_check, str(broken)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1 and "error" in result.stdout


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_alb_edge_goes_to_the_gateway_and_the_gateway_to_each_server(
    stack: str, rendered: Callable[[str], RenderedStack]
) -> None:
    """Issue 11: the ALB's one target group is bound to the gateway's Service, so its edge
    ends at the gateway's node, and the gateway's routes fan out to the servers."""
    render = rendered(stack)
    diagram = stack_diagram(render)
    gateway = gateway_summary(render.resources)
    assert gateway is not None
    domain = urlsplit(gateway.routes[0].resource).hostname
    node = "workload_mcp_gateway_mcp_gateway"
    assert f'    {node}["mcp-gateway<br/>{gateway.min_replicas}-{gateway.max_replicas} pods"]' in (
        diagram.splitlines()
    )
    edges = [
        line.strip() for line in diagram.splitlines() if line.startswith("  lb_") and "-->|" in line
    ]
    assert edges == [f'lb_mcp_lb_alb -->|"{domain}"| {node}']
    for route in gateway.routes:
        target = "server_" + re.sub(r"[^A-Za-z0-9]+", "_", route.server)
        assert f'  {node} -->|"/{route.server}/mcp"| {target}' in diagram.splitlines()
        defined = [line for line in diagram.splitlines() if re.match(rf"\s+{target}[\[(/]", line)]
        assert len(defined) == 1, (route.server, defined)  # a node of its own, drawn once
    assert "server_fleet" not in diagram
    definitions = re.findall(r"^\s+(\w+)\[", diagram, flags=re.MULTILINE)
    assert len(definitions) == len(set(definitions)), "a node is defined twice"
