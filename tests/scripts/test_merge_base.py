"""scripts/merge-base: what `make review` compares with, and that it says so.

The comparison renders the stack a second time, so it must never happen silently: every
base printed on stdout comes with a line on stderr saying why and how to skip it. Each test
builds a throwaway git repository with a ``main`` branch (and an ``origin/main`` where the
case needs one) and runs the real script in it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "merge-base"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def merge_base(repo: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "BASE"} | env
    return subprocess.run(
        [str(SCRIPT)], cwd=repo, env=environment, capture_output=True, text=True, check=False
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository on ``main`` with one commit: a stack file and a README."""
    git(tmp_path, "init", "--quiet", "--initial-branch=main")
    (tmp_path / "Pulumi.prod.yaml").write_text("config: {}\n")
    (tmp_path / "README.md").write_text("# x\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "--quiet", "-m", "first")
    return tmp_path


def test_a_clean_main_compares_with_nothing(repo: Path) -> None:
    done = merge_base(repo)
    assert done.returncode == 0
    assert done.stdout == ""
    assert done.stderr == ""


def test_untracked_files_and_documentation_do_not_trigger_a_comparison(repo: Path) -> None:
    (repo / "prod.json").write_text("{}")  # what `--output prod.json` leaves behind
    (repo / "README.md").write_text("# y\n")
    done = merge_base(repo)
    assert (done.stdout, done.stderr) == ("", "")


def test_uncommitted_changes_on_main_compare_with_head_and_say_so(repo: Path) -> None:
    (repo / "Pulumi.prod.yaml").write_text("config: {a: 1}\n")
    done = merge_base(repo)
    head = git(repo, "rev-parse", "HEAD")
    assert done.stdout.strip() == head
    assert "comparing with HEAD" in done.stderr
    assert "uncommitted changes (Pulumi.prod.yaml)" in done.stderr
    assert "make review BASE= skips the comparison" in done.stderr


def test_a_branch_compares_with_its_merge_base_and_says_so(repo: Path) -> None:
    fork = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "--quiet", "-b", "feature")
    (repo / "Pulumi.prod.yaml").write_text("config: {b: 2}\n")
    git(repo, "commit", "--quiet", "-am", "change")
    done = merge_base(repo)
    assert done.stdout.strip() == fork
    assert "the merge base of feature and main" in done.stderr
    assert "rendered twice" in done.stderr


def test_base_chooses_the_revision_or_none(repo: Path) -> None:
    (repo / "Pulumi.prod.yaml").write_text("config: {a: 1}\n")
    skipped = merge_base(repo, BASE="")
    assert (skipped.stdout, skipped.stderr) == ("", "")
    chosen = merge_base(repo, BASE="v1.2")
    assert chosen.stdout.strip() == "v1.2"
    assert "comparing with v1.2" in chosen.stderr


def test_outside_a_repository_compares_with_nothing(tmp_path: Path) -> None:
    done = merge_base(tmp_path, GIT_CEILING_DIRECTORIES=str(tmp_path.parent))
    assert done.returncode == 0
    assert done.stdout == ""
