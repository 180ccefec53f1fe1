"""``python -m review STACK --base REF``: the CLI on the temporary repository's change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import review.pipeline
from review.cli import app
from review.compare import StackComparison
from review.render import RenderedStack, render_stack
from review.report_markdown import COMMENT_MARKER, stack_marker
from review.stack_reviews import project_stacks
from tests.review_diff.conftest import ChangedRepository

pytestmark = pytest.mark.xdist_group("review-history")


@pytest.fixture
def head_from_session(
    monkeypatch: pytest.MonkeyPatch,
    changed_repository: ChangedRepository,
    prod_comparison: StackComparison,
) -> Path:
    """The CLI's working-tree render of prod is the one the session already made."""

    def render(stack: str, project_dir: Path, config_file: Path | None = None) -> RenderedStack:
        if stack == "prod" and project_dir == changed_repository.path and config_file is None:
            return prod_comparison.head
        return render_stack(stack, project_dir, config_file)

    monkeypatch.setattr(review.pipeline, "render_stack", render)
    return changed_repository.path


def test_markdown_against_a_base_revision_exits_1_on_new_mandatory_violations(
    head_from_session: Path, tmp_path: Path
) -> None:
    output = tmp_path / "review.md"
    result = CliRunner().invoke(
        app,
        [
            "prod",
            "--base",
            "base",
            "--format",
            "markdown",
            "--output",
            str(output),
            "--project-dir",
            str(head_from_session),
        ],
    )
    assert result.exit_code == 1, result.output
    text = output.read_text()
    assert text.startswith(COMMENT_MARKER) and stack_marker("prod") in text
    assert "will be REPLACED" in text and "New violation" in text


def test_json_against_a_base_revision_carries_the_changes(head_from_session: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["prod", "--base", "base", "--format", "json", "--project-dir", str(head_from_session)],
    )
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    changes = document["changes"]
    assert changes["base"] == "base"
    assert changes["counts"]["replaced"] > 0
    kinds = {c["kind"] for c in changes["callouts"]}
    assert {"data-loss", "security-weakened", "slo-loosened"} <= kinds
    assert {f["policy"] for f in changes["policy"]["new"]} >= {"catalog-approved-image"}


def test_an_unknown_base_exits_2_with_one_message(head_from_session: Path) -> None:
    result = CliRunner().invoke(
        app, ["prod", "--base", "no-such-ref", "--project-dir", str(head_from_session)]
    )
    assert result.exit_code == 2
    assert "--base no-such-ref: no such commit" in result.stderr


def test_a_stack_or_all_but_not_both() -> None:
    assert CliRunner().invoke(app, []).exit_code == 2
    assert CliRunner().invoke(app, ["prod", "--all"]).exit_code == 2


def test_all_means_every_stack_file_in_stage_order(tmp_path: Path) -> None:
    for stack in ("prod", "qa", "dev", "staging"):
        (tmp_path / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    assert project_stacks(tmp_path) == ["dev", "staging", "prod", "qa"]
