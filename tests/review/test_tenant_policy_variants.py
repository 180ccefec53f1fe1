"""Each tenant isolation rule fails a broken variant of the rendered prod stack, through the pack.

The intact prod render passes them all (``test_policy_pack``); each variant breaks one
dimension of one tenant (research) and must fail with exactly the rule that guards it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import pytest

from review.analyze import PolicyReport
from review.pipeline import ReviewRequest, check_policy
from review.render import RenderedStack
from tests.review.pack_variants import Change, judge_all, with_resources

pytestmark = pytest.mark.xdist_group("review-policy-pack")

NAME_LABEL = "kubernetes.io/metadata.name"


def research(resource: dict[str, Any], type_token: str) -> bool:
    return resource["type"] == type_token and "research" in resource["name"]


def without(type_token: str) -> Change:
    """Drop research's resources of one type (and nothing else)."""

    def change(resources: list[dict[str, Any]]) -> None:
        dropped = [r for r in resources if research(r, type_token)]
        assert dropped, type_token
        for resource in dropped:
            resources.remove(resource)

    return change


def secret_moved_to_storefront(resources: list[dict[str, Any]]) -> None:
    secret = next(r for r in resources if research(r, "aws:secretsmanager/secret:Secret"))
    for view in ("wire", "inputs", "outputs"):
        name = secret[view]["name"]
        assert name.startswith("/prod/research/"), name
        secret[view]["name"] = name.replace("/prod/research/", "/prod/storefront/")


def research_server_admits_storefront(resources: list[dict[str, Any]]) -> None:
    """A research server's NetworkPolicy also admitting the storefront tenant's namespace."""
    policy = next(
        r
        for r in resources
        if research(r, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
        and r["name"].endswith("-netpol")
    )
    storefront = {"namespaceSelector": {"matchLabels": {NAME_LABEL: "mcp-storefront"}}}
    for view in ("wire", "inputs", "outputs"):
        (rule,) = policy[view]["spec"]["ingress"]
        rule["from"] = [*rule["from"], storefront]


VARIANTS: dict[str, tuple[Change, str]] = {
    "tenant namespace without its quota": (
        without("kubernetes:core/v1:ResourceQuota"),
        "tenant-namespace-isolated",
    ),
    "tenant secret under another tenant's path": (
        secret_moved_to_storefront,
        "tenant-resources-own-path",
    ),
    "tenant without its budget": (without("aws:budgets/budget:Budget"), "tenant-budget-present"),
    "server admitting another tenant's namespace": (
        research_server_admits_storefront,
        "tenant-namespace-isolated",
    ),
}


@pytest.fixture(scope="module")
def judged(rendered: Callable[[str], RenderedStack]) -> Mapping[str, PolicyReport]:
    def judge(name: str) -> PolicyReport | None:
        change, _ = VARIANTS[name]
        return check_policy(with_resources(rendered("prod"), change), ReviewRequest("prod"))

    return judge_all({name: partial(judge, name) for name in VARIANTS})


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_each_variant_fails_with_the_rule_that_guards_it(
    variant: str, judged: Mapping[str, PolicyReport]
) -> None:
    _, expected = VARIANTS[variant]
    report = judged[variant]
    failed = {d.policy for d in report.mandatory_violations}
    assert failed == {expected}, f"{variant}: failed {sorted(failed)}"
    assert not report.passed
    assert any("research" in d.message for d in report.mandatory_violations)
