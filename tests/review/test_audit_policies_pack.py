"""The audit-bucket-locked policy through the whole pack, over the rendered prod stack.

As for the rollout policies: the program cannot be made to declare an unlocked or briefly
locked archive from a stack file (the settings refuse a short lock, AuditTrail refuses the
rest), so the rendered resources are edited and the pack, run as the CLI runs it, must fail
each with audit-bucket-locked and nothing else.
"""

from __future__ import annotations

import json
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

ARCHIVE = "mcp-audit-archive"
WRITER = "mcp-audit-writer"
LOCK = "mcp-audit-archive-object-lock"
POLICY = "audit-bucket-locked"


def unlocked(properties: dict[str, Any]) -> None:
    properties["objectLockEnabled"] = False


def three_years(properties: dict[str, Any]) -> None:
    properties["rule"]["defaultRetention"] = {"mode": "COMPLIANCE", "years": 3}


def writer_may_delete(properties: dict[str, Any]) -> None:
    """The writer policy's explicit Deny turned into an Allow: it may now delete records."""
    document = json.loads(properties["policy"])
    for statement in document["Statement"]:
        if statement["Sid"] == "NeverDeleteOrUnlock":
            statement["Effect"] = "Allow"
    properties["policy"] = json.dumps(document)


VARIANTS: dict[str, tuple[Callable[[RenderedStack], RenderedStack], str]] = {
    "unlocked": (lambda r: with_changed(r, ARCHIVE, unlocked), "Object Lock is not enabled"),
    "short retention": (
        lambda r: with_changed(r, LOCK, three_years),
        "the default retention (COMPLIANCE for 3 years) is shorter than this stack's 10 years",
    ),
    "writer may delete": (
        lambda r: with_changed(r, WRITER, writer_may_delete),
        "writes the archive and may also s3:DeleteObject on",
    ),
}


def broken_policies(report: PolicyReport) -> set[tuple[str, str]]:
    return {(d.policy, d.message) for d in report.mandatory_violations}


@pytest.fixture(scope="module")
def judged(rendered: Callable[[str], RenderedStack]) -> Mapping[str, PolicyReport]:
    """Each variant's report, and the unchanged stack's under ``"as rendered"``."""

    def judge(name: str) -> PolicyReport | None:
        render = VARIANTS[name][0] if name in VARIANTS else (lambda r: r)
        return check_policy(render(rendered("prod")), ReviewRequest("prod"))

    names = ["as rendered", *VARIANTS]
    return judge_all({name: partial(judge, name) for name in names})


def test_the_rendered_prod_archive_passes_the_policy(judged: Mapping[str, PolicyReport]) -> None:
    report = judged["as rendered"]
    assert POLICY in {policy.name for policy in report.policies}
    assert not [d for d in report.mandatory_violations if d.policy == POLICY]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_an_unlocked_briefly_locked_or_deletable_archive_fails_the_pack(
    variant: str, judged: Mapping[str, PolicyReport]
) -> None:
    _, message = VARIANTS[variant]
    report = judged[variant]
    assert not report.passed
    found = [d for d in report.mandatory_violations if d.policy == POLICY]
    assert any(message in d.message for d in found), [d.message for d in found]
    assert any("'mcp-audit-archive'" in d.message for d in found)
    added = broken_policies(report) - broken_policies(judged["as rendered"])
    assert {policy for policy, _ in added} == {POLICY}, "it breaks only that"
