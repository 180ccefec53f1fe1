"""The WAF component: managed rule groups, a rate rule from settings, associated with the ALB."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from components.waf import MANAGED_RULE_GROUPS, WafArgs, WebApplicationFirewall
from tests.components.harness import Built, build

ALB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/prod-mcp/abc"


def built(**changes: Any) -> Built[WebApplicationFirewall]:
    values: dict[str, Any] = {
        "name_prefix": "prod",
        "load_balancer_arn": ALB_ARN,
        "requests_per_window": 3000,
        "tags": {"owner": "platform"},
    } | changes
    return build(lambda: WebApplicationFirewall("waf", WafArgs(**values)))


@pytest.fixture
def waf() -> Built[WebApplicationFirewall]:
    return _once()


@cache
def _once() -> Built[WebApplicationFirewall]:
    return built()


def acl(made: Built[WebApplicationFirewall]) -> dict[str, Any]:
    (found,) = made.of_type("aws:wafv2/webAcl:WebAcl")
    return dict(found["inputs"])


def test_a_regional_acl_allows_by_default_after_its_rules(
    waf: Built[WebApplicationFirewall],
) -> None:
    inputs = acl(waf)
    assert inputs["scope"] == "REGIONAL"
    assert inputs["defaultAction"] == {"allow": {}}
    assert inputs["tags"] == {"owner": "platform"}


def test_the_aws_managed_groups_run_first_and_are_enforced(
    waf: Built[WebApplicationFirewall],
) -> None:
    rules = sorted(acl(waf)["rules"], key=lambda rule: rule["priority"])
    managed = [rule["statement"]["managedRuleGroupStatement"] for rule in rules[:3]]
    assert [(group["vendorName"], group["name"]) for group in managed] == [
        ("AWS", name) for name in MANAGED_RULE_GROUPS
    ]
    assert all(rule["overrideAction"] == {"none": {}} for rule in rules[:3])


def test_the_rate_rule_blocks_one_ip_past_the_settings_limit(
    waf: Built[WebApplicationFirewall],
) -> None:
    rule = max(acl(waf)["rules"], key=lambda rule: rule["priority"])
    assert rule["action"] == {"block": {}}
    assert rule["statement"]["rateBasedStatement"] == {
        "aggregateKeyType": "IP",
        "limit": 3000,
        "evaluationWindowSec": 300,
    }


def test_the_acl_is_associated_with_the_load_balancer(waf: Built[WebApplicationFirewall]) -> None:
    (association,) = waf.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")
    assert association["inputs"]["resourceArn"] == ALB_ARN


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"requests_per_window": 5}, "outside AWS WAF's 10-2000000000"),
        ({"window_seconds": 30}, "not one of 60, 120, 300, 600"),
    ],
)
def test_limits_aws_would_refuse_are_named(change: dict[str, Any], words: str) -> None:
    values: dict[str, Any] = {
        "name_prefix": "prod",
        "load_balancer_arn": ALB_ARN,
        "requests_per_window": 3000,
    } | change
    with pytest.raises(ValueError, match=words):
        WafArgs(**values)
