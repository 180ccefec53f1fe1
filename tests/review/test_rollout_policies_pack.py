"""The rollout policies through the whole pack, over the rendered prod stack with one break.

Like test_policy_pack.py's render variants: the program cannot be made to declare these from
a stack file (the plan refuses them), so the rendered resources are edited, and the pack, run
as the CLI runs it, must fail each with the policy that guards it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import pytest

from review.analyze import PolicyReport
from review.pipeline import ReviewRequest, check_policy
from review.render import RenderedStack
from tests.review.pack_variants import judge_all
from tests.review.test_policy_pack import with_changed

pytestmark = pytest.mark.xdist_group("review-policy-pack")

ROLLOUT = "mcp-github-rollout"
GATE = "mcp-github-slo-gate"


def without(rendered: RenderedStack, name: str) -> RenderedStack:
    resources = [r for r in copy.deepcopy(rendered.resources) if r["name"] != name]
    assert len(resources) == len(rendered.resources) - 1, name
    return RenderedStack(rendered.project, rendered.stack, resources, rendered.root)


def no_analysis(properties: dict[str, Any]) -> None:
    canary = properties["spec"]["strategy"]["canary"]
    del canary["analysis"]
    canary["steps"] = [step for step in canary["steps"] if "analysis" not in step]


def looser_error_limit(properties: dict[str, Any]) -> None:
    (metric,) = [m for m in properties["spec"]["metrics"] if m["name"] == "tool-error-ratio"]
    metric["successCondition"] = "all(result[0].Values, {# <= 0.05})"


def half_at_once(properties: dict[str, Any]) -> None:
    canary = properties["spec"]["strategy"]["canary"]
    canary["steps"] = [s for s in canary["steps"] if s.get("setWeight") not in (25, 75)]


VARIANTS: dict[str, tuple[Callable[[RenderedStack], RenderedStack], str, str]] = {
    "no rollout": (
        lambda r: without(r, ROLLOUT),
        "rollout-progressive",
        "Deployment 'github' is rolled out by no Rollout",
    ),
    "no analysis": (
        lambda r: with_changed(r, ROLLOUT, no_analysis),
        "rollout-progressive",
        "runs no background analysis",
    ),
    "threshold looser than the SLO": (
        lambda r: with_changed(r, GATE, looser_error_limit),
        "rollout-analysis-within-slo",
        "'tool-error-ratio' passes up to 0.05, looser than the SLO allows",
    ),
    "step larger than the batch": (
        lambda r: with_changed(r, ROLLOUT, half_at_once),
        "rollout-step-within-batch",
        "a step of 50 %; the fleet's batch is 25 %",
    ),
}


@pytest.fixture(scope="module")
def judged(rendered: Callable[[str], RenderedStack]) -> Mapping[str, PolicyReport]:
    def judge(name: str) -> PolicyReport | None:
        return check_policy(VARIANTS[name][0](rendered("prod")), ReviewRequest("prod"))

    return judge_all({name: partial(judge, name) for name in VARIANTS})


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_broken_rollout_fails_with_the_policy_that_guards_it(
    variant: str, judged: Mapping[str, PolicyReport]
) -> None:
    _, policy, message = VARIANTS[variant]
    report = judged[variant]
    assert not report.passed
    found = [d for d in report.mandatory_violations if d.policy == policy]
    assert any(message in d.message for d in found), [d.message for d in found]
    assert {d.policy for d in report.mandatory_violations} == {policy}, "it breaks only that"
