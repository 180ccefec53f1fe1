"""The pull request comment: snapshot, markers, call-outs first, GitHub's size limit, Mermaid."""

from __future__ import annotations

import pytest
from syrupy.assertion import SnapshotAssertion

from review.changes_model import ResourceChangeEntry, StackChanges, stack_changes
from review.compare import StackComparison
from review.mermaid import escape, stack_diagram
from review.model import Review
from review.pipeline import ReviewRequest, check_policy, plan
from review.report import build_review
from review.report_markdown import (
    COMMENT_MARKER,
    GITHUB_COMMENT_LIMIT,
    StackSection,
    comment_length,
    render_markdown,
    stack_marker,
)
from tests.review_diff.conftest import ChangedRepository

pytestmark = pytest.mark.xdist_group("review-history")


@pytest.fixture(scope="module")
def prod_section(
    changed_repository: ChangedRepository, prod_comparison: StackComparison
) -> StackSection:
    request = ReviewRequest("prod", project_dir=changed_repository.path)
    head = prod_comparison.head
    review = build_review(
        head, plan(request, head), check_policy(head, request), request.policy_config
    )
    return StackSection(review, stack_changes(prod_comparison), stack_diagram(head))


def test_the_comment_matches_its_snapshot(
    prod_section: StackSection, markdown_snapshot: SnapshotAssertion
) -> None:
    assert render_markdown([prod_section]) == markdown_snapshot


def test_the_comment_and_each_stack_carry_the_markers_the_workflow_finds(
    prod_section: StackSection,
) -> None:
    text = render_markdown([prod_section])
    assert text.startswith(COMMENT_MARKER + "\n")
    assert text.count(stack_marker("prod")) == 1
    assert "### Stack `prod`" in text


def test_what_must_not_be_missed_comes_before_the_details(prod_section: StackSection) -> None:
    text = render_markdown([prod_section])
    must = text.index("#### Must not miss")
    assert must < text.index("<details>")
    callouts = text[must : text.index("<details>")]
    for expected in (
        "Data loss",
        "will be REPLACED",
        "Security weakened",
        "blockPublicPolicy",
        "SLO loosened",
        "p95 latency objective (ms) loosened from 300 to 380",
        "New violation",
        "catalog-approved-image",
    ):
        assert expected in callouts, expected
    assert "```mermaid\nflowchart LR" in text


def test_a_long_review_is_trimmed_to_the_limit_keeping_the_summary(
    prod_section: StackSection,
) -> None:
    full = render_markdown([prod_section])
    limit = 12_000
    assert comment_length(full) > limit
    trimmed = render_markdown([prod_section], limit=limit)
    assert comment_length(trimmed) <= limit
    assert trimmed.startswith(COMMENT_MARKER)
    assert "| `prod` |" in trimmed  # the summary table
    assert "#### Must not miss" in trimmed and "will be REPLACED" in trimmed
    assert "Left out to fit GitHub's 65,536-character comment limit" in trimmed


def test_thousands_of_changes_fit_one_github_comment(prod_section: StackSection) -> None:
    assert prod_section.changes is not None
    many = [
        ResourceChangeEntry(
            urn=f"urn:pulumi:prod::mcp-fleet::aws:s3/bucket:Bucket::bucket-{i}",
            type="aws:s3/bucket:Bucket",
            name=f"bucket-{i}",
            change="added",
            component="Backups mcp-backups",
            server="fleet-wide",
        )
        for i in range(5000)
    ]
    huge = prod_section.changes.model_copy(update={"changes": many})
    sections = [StackSection(prod_section.review, huge, prod_section.diagram)] * 3
    text = render_markdown(sections)
    assert comment_length(text) <= GITHUB_COMMENT_LIMIT
    assert text.count("### Stack `prod`") == 3
    assert "the details of 5000 changed resources" in text


def test_mermaid_labels_cannot_break_the_diagram() -> None:
    label = escape('say "hi" <b>#1</b> | [x] {y}')
    for raw in '"<>|[]{}':
        assert raw not in label
    assert "#quot;" in label and "#lt;" in label


def test_without_a_base_the_comment_lists_what_blocks(prod_section: StackSection) -> None:
    review: Review = prod_section.review
    text = render_markdown([StackSection(review, None, None)])
    assert "(no base to compare)" in text
    for violation in review.mandatory_violations:
        assert violation.policy in text


def test_a_stack_new_at_base_says_so() -> None:
    changes = StackChanges(
        base="abc123",
        base_missing="stack is new at base (no Pulumi.qa.yaml there)",
        counts={"added": 3, "deleted": 0, "replaced": 0, "changed": 0},
        unchanged=0,
        callouts=[],
        changes=[],
    )
    review = Review.model_construct(
        project="mcp-fleet", stack="qa", resources=[], servers=[], policy=[], policy_run=None
    )
    text = render_markdown([StackSection(review, changes, None)])
    assert "Stack is new at base (no Pulumi.qa.yaml there)" in text
