"""A temporary git repository with real history: the project at a base commit, then a change.

The project's own files (tracked and not ignored) are copied into a fresh repository and
committed as ``base``; the change a pull request might bring is then made to the copy and
committed as ``head``. Both commits are rendered with their own code, as a review of a pull
request would render them. Building it costs two renders, so it is done once per session and
its tests share one xdist worker (``xdist_group``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from catalog import signing
from review.compare import StackComparison, compare
from review.pipeline import policy_diagnostics
from review.render import PROJECT_DIR

REVIEW_DATE = "2026-11-26"
"""The date the policy pack judges scan ages at, so the results never depend on the clock."""
RELEASE_SIGNED_AT = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
"""When the release's entry is re-signed (``release_jira``): fixed, so the snapshot is too."""

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Review Test",
    "GIT_AUTHOR_EMAIL": "review-test@example.invalid",
    "GIT_COMMITTER_NAME": "Review Test",
    "GIT_COMMITTER_EMAIL": "review-test@example.invalid",
    "GIT_AUTHOR_DATE": "2026-11-26T12:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-11-26T12:00:00+00:00",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_SYSTEM": os.devnull,
}


def git(repo: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    return completed.stdout.strip()


def project_files() -> list[str]:
    """The project as a clone would have it, plus files not committed yet (work in progress)."""
    listed = git(PROJECT_DIR, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    return sorted(p for p in listed.split("\0") if p and (PROJECT_DIR / p).is_file())


def copy_project(target: Path) -> None:
    for relative in project_files():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_DIR / relative, destination)


def edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` exactly once, or fail: a test change that silently misses proves nothing."""
    text = path.read_text()
    assert text.count(old) == 1, f"{path.name}: expected {old!r} exactly once"
    path.write_text(text.replace(old, new))


def pin_review_date(repo: Path) -> None:
    for config in sorted((repo / "policy" / "config").glob("*.json")):
        document = json.loads(config.read_text())
        if "catalog-supply-chain" in document:
            document["catalog-supply-chain"]["now"] = REVIEW_DATE
        config.write_text(json.dumps(document, indent=2) + "\n")


def change_prod_servers(repo: Path) -> None:
    """More peak traffic for github (replicas), github-research removed, a server added."""
    stack_file = repo / "Pulumi.prod.yaml"
    document = yaml.safe_load(stack_file.read_text())
    servers = document["config"]["mcp-fleet:servers"]
    github = next(s for s in servers if s["catalog"] == "github" and "name" not in s)
    github["peakRps"] = github["peakRps"] * 2
    servers[:] = [s for s in servers if s.get("name") != "github-research"]
    servers.append(
        {
            "catalog": "docs-search",
            "name": "docs-search-research",
            "tenant": "research",
            "peakRps": 50,
        }
    )
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False))


def release_jira(repo: Path) -> None:
    """A release: jira's catalog entry gets a new image digest, re-signed by the approver.

    The PR comment then shows jira's rollout plan (steps, windows, limits, rollback)."""
    entry = repo / "catalog/servers/jira.yaml"
    old = "mcp-jira@sha256:3bf235a2570122512816ade206541dde8a744c90283a9a5379d6cee8ba778dcc"
    edit(entry, old, "mcp-jira@sha256:" + "4a" * 32)
    key = signing.load_private_key(repo / "catalog/keys/example-approver.private.pem")
    document = yaml.safe_load(entry.read_text())
    signer = document["signature"]["signer"]
    block = signing.signature_block(document, key, signer, signed_at=RELEASE_SIGNED_AT)
    signing.write_blocks(entry, {"signature": block})


def make_change(repo: Path) -> None:
    change_prod_servers(repo)
    release_jira(repo)
    # research's tokens now come from a new issuer: called out for that tenant (issue 12).
    edit(
        repo / "Pulumi.prod.yaml",
        "issuer: https://login.acme.example/research",
        "issuer: https://login.acme.example/research-2027",
    )
    # A looser SLO in a signed catalog entry: the signature no longer matches (policy).
    edit(repo / "catalog/servers/github.yaml", "p95LatencyMs: 300", "p95LatencyMs: 380")
    # The bucket baseline (backup and access-log buckets) no longer blocks public policies.
    edit(
        repo / "components/bucket_baseline.py",
        "block_public_policy=True,",
        "block_public_policy=False,",
    )
    # A new name prefix for the backup buckets: S3 cannot rename, so they are replaced.
    edit(
        repo / "components/backup_bucket.py",
        'bucket_prefix=f"{args.name_prefix}-{kind}-",',
        'bucket_prefix=f"{args.name_prefix}-{kind}-v2-",',
    )


@dataclass(frozen=True)
class ChangedRepository:
    path: Path
    base: str
    head: str
    empty: str
    """A commit before the program existed, to compare a stack that is new at base."""


@pytest.fixture(scope="session")
def changed_repository(tmp_path_factory: pytest.TempPathFactory) -> ChangedRepository:
    repo = tmp_path_factory.mktemp("review-history") / "project"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    (repo / "README.md").write_text("before the program\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "--quiet", "-m", "empty")
    empty = git(repo, "rev-parse", "HEAD")
    copy_project(repo)
    pin_review_date(repo)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "base")
    git(repo, "tag", "base")
    make_change(repo)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "the change under review")
    return ChangedRepository(repo, "base", git(repo, "rev-parse", "HEAD"), empty)


@pytest.fixture(scope="session")
def prod_comparison(changed_repository: ChangedRepository) -> StackComparison:
    (comparison,) = compare(["prod"], "base", changed_repository.path, analyze=policy_diagnostics)
    return comparison


class MarkdownSnapshot(SingleFileSnapshotExtension):
    """One readable ``.md`` file per snapshot, so a reviewer sees the comment as GitHub would."""

    file_extension = "md"
    _write_mode = WriteMode.TEXT


@pytest.fixture
def markdown_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """syrupy's snapshot, stored as Markdown; refresh with ``pytest --snapshot-update``."""
    return snapshot.use_extension(MarkdownSnapshot)
