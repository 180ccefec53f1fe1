"""The Platform puts the web ACL on its ALB with the stack's rate rule."""

from __future__ import annotations

from typing import Any

from components.platform import Platform, PlatformArgs
from stacks import SettingsError, load_settings
from tests.components.harness import Built, build
from tests.stacks.stack_config import raw_config, structured, with_value


def _built(config: dict[str, str]) -> Built[Platform]:
    settings = load_settings(config, project="mcp-fleet", stack="staging")
    return build(
        lambda: Platform("mcp", PlatformArgs(settings=settings)),
        stack="staging",
        region=settings.region,
    )


def _balancer(waf: dict[str, Any]) -> dict[str, str]:
    return with_value("staging", "mcp-fleet:loadBalancer", {**_load_balancer(), "waf": waf})


def _load_balancer() -> dict[str, Any]:
    return dict(structured("staging", "mcp-fleet:loadBalancer"))


def test_the_web_acl_guards_the_platforms_load_balancer() -> None:
    result = _built(_balancer({"requestsPerWindow": 1200, "windowSeconds": 60}))
    (acl,) = result.of_type("aws:wafv2/webAcl:WebAcl")
    rate = max(acl["inputs"]["rules"], key=lambda rule: rule["priority"])
    assert rate["statement"]["rateBasedStatement"]["limit"] == 1200
    assert rate["statement"]["rateBasedStatement"]["evaluationWindowSec"] == 60
    assert acl["inputs"]["name"] == "mcp-fleet-staging-mcp"
    (association,) = result.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")
    (alb,) = result.of_type("aws:lb/loadBalancer:LoadBalancer")
    assert association["inputs"]["resourceArn"] == alb["outputs"]["arn"]


def test_without_settings_the_rate_rule_takes_its_default() -> None:
    result = _built(raw_config("staging"))
    (acl,) = result.of_type("aws:wafv2/webAcl:WebAcl")
    rate = max(acl["inputs"]["rules"], key=lambda rule: rule["priority"])
    assert rate["statement"]["rateBasedStatement"]["limit"] == 3000


def test_a_window_aws_does_not_offer_is_named() -> None:
    try:
        load_settings(_balancer({"windowSeconds": 90}), project="mcp-fleet", stack="staging")
    except SettingsError as error:
        message = str(error)
    else:
        raise AssertionError("a 90 s window was accepted")
    assert "mcp-fleet:loadBalancer.waf.windowSeconds" in message, message
    assert "60, 120, 300 or 600" in message
