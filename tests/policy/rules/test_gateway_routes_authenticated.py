"""gateway-routes-authenticated: the gateway's rendered ConfigMap, one resource at a time."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from gateway.render import render
from gateway.stack_gateway import stack_gateway_config
from lab.stack import load_stack
from policy.rules.gateway_routes_authenticated import gateway_routes_authenticated
from tests.policy.harness import resource_args, violations

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"


@cache
def rendered() -> str:
    return render(stack_gateway_config(load_stack("dev")))


def config_map(text: str, component: str = "gateway") -> dict[str, Any]:
    return {
        "metadata": {
            "name": "mcp-gateway",
            "namespace": "mcp-gateway",
            "labels": {"app.kubernetes.io/component": component},
        },
        "data": {"haproxy.cfg": text, "mcp_inspect.lua": "--"},
    }


def check(text: str, component: str = "gateway") -> list[str]:
    return violations(
        gateway_routes_authenticated, resource_args(CONFIG_MAP, config_map(text, component))
    )


def in_frontend(text: str, line: str) -> str:
    """``line`` added as the first rule of ``frontend mcp``, before the token checks."""
    return text.replace("frontend mcp\n", f"frontend mcp\n    {line}\n", 1)


def test_the_rendered_gateway_of_a_stack_passes() -> None:
    assert check(rendered()) == []


def test_a_gateway_without_the_missing_token_answer_is_named() -> None:
    text = "\n".join(
        line for line in rendered().splitlines() if not line.rstrip().endswith("if !has_bearer")
    )
    [message] = check(text)
    assert message == (
        "gateway routes reachable without authentication: "
        "the 401 for a request without a token is missing"
    )


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("http-request allow if { path_beg /github/ }", "'http-request allow if { path_beg"),
        ("default_backend mcp_github", "'default_backend mcp_github' lets requests past"),
        ("use_backend mcp_github", "use_backend mcp_github has no route condition"),
    ],
)
def test_a_way_around_the_token_checks_is_named(line: str, named: str) -> None:
    [message] = check(in_frontend(rendered(), line))
    assert named in message


def test_other_config_maps_are_not_judged() -> None:
    assert check("frontend mcp\n    default_backend x\n", component="server") == []


def test_a_gateway_config_map_without_an_mcp_frontend_is_named() -> None:
    [message] = check("global\n    log stdout format raw local0\n")
    assert "no 'frontend mcp' section" in message
