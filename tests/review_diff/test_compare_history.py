"""The review of a real change between two commits of a temporary git repository.

The change (see conftest.make_change): github's peak traffic doubles, github-research is
removed, docs-search-research is added, github's catalog entry gets a looser p95 objective
(breaking its signature), the backup bucket stops blocking public policies and gets a new
name prefix (S3 cannot rename a bucket: a replacement).
"""

from __future__ import annotations

import subprocess

import pytest

from review.callouts import CalloutKind
from review.compare import StackComparison, compare
from review.diff import ChangeKind, ResourceChange
from review.render import RenderedStack
from tests.review_diff.conftest import ChangedRepository

pytestmark = pytest.mark.xdist_group("review-history")


def change_of(comparison: StackComparison, name: str) -> ResourceChange:
    matches = [c for c in comparison.diff.changes if c.name == name]
    assert len(matches) == 1, f"{name}: {len(matches)} changes"
    return matches[0]


def callouts_of(comparison: StackComparison, kind: CalloutKind) -> list[str]:
    return [c.message for c in comparison.callouts if c.kind is kind]


def test_more_peak_traffic_raises_the_replica_bounds(prod_comparison: StackComparison) -> None:
    hpa = change_of(prod_comparison, "mcp-github-hpa")
    assert hpa.kind is ChangeKind.CHANGED
    assert hpa.server == "github"
    assert hpa.component == "McpServer mcp-github"
    bounds = {p.path: p for p in hpa.properties}
    assert bounds["spec.minReplicas"].after > bounds["spec.minReplicas"].before
    assert bounds["spec.maxReplicas"].after > bounds["spec.maxReplicas"].before


def test_the_replica_count_the_autoscaler_owns_is_marked_ignored(
    prod_comparison: StackComparison,
) -> None:
    deployment = change_of(prod_comparison, "mcp-github-deployment")
    replicas = next(p for p in deployment.properties if p.path == "spec.replicas")
    assert replicas.ignored
    assert deployment.kind is ChangeKind.CHANGED


def test_a_new_server_is_added_with_its_route(prod_comparison: StackComparison) -> None:
    added = {c.name for c in prod_comparison.diff.changes if c.kind is ChangeKind.ADDED}
    assert {
        "mcp-docs-search-research",
        "mcp-docs-search-research-deployment",
        "mcp-docs-search-research-service",
    } <= added
    deployment = change_of(prod_comparison, "mcp-docs-search-research-deployment")
    assert deployment.server == "docs-search-research"
    # Its route is a line of the gateway's configuration: the ALB gains nothing per server.
    assert not [name for name in added if name.startswith("mcp-lb-")]


def test_a_removed_server_is_deleted_without_noise(prod_comparison: StackComparison) -> None:
    deleted = {c.name for c in prod_comparison.diff.changes if c.kind is ChangeKind.DELETED}
    assert {
        "mcp-github-research",
        "mcp-github-research-deployment",
        "mcp-github-research-netpol",
    } <= deleted
    assert change_of(prod_comparison, "mcp-github-research-deployment").server == "github-research"
    # Its network policy and alarms go with the whole server: not each a call-out of its own.
    assert not [m for m in callouts_of(prod_comparison, CalloutKind.SECURITY) if "netpol" in m]
    assert not [m for m in callouts_of(prod_comparison, CalloutKind.ALARM) if "research" in m]


def test_a_loosened_slo_is_called_out(prod_comparison: StackComparison) -> None:
    assert callouts_of(prod_comparison, CalloutKind.SLO) == [
        "github: p95 latency objective (ms) loosened from 300 to 380"
    ]
    alarm = callouts_of(prod_comparison, CalloutKind.ALARM)
    assert any("mcp-observability-github-latency-p95" in m and "threshold" in m for m in alarm)


def test_a_weakened_bucket_is_called_out(prod_comparison: StackComparison) -> None:
    security = callouts_of(prod_comparison, CalloutKind.SECURITY)
    assert any(
        "mcp-backups-bucket-primary-public-access" in m and "blockPublicPolicy" in m
        for m in security
    ), security


def test_new_policy_violations_are_reported(prod_comparison: StackComparison) -> None:
    assert prod_comparison.policy is not None and prod_comparison.policy.base_available
    new = {(f.policy, f.resource_name, f.enforcement) for f in prod_comparison.policy.new}
    assert ("catalog-approved-image", "mcp-github-deployment", "mandatory") in new
    assert ("backup-bucket-hardened", "mcp-backups-bucket-primary", "mandatory") in new
    tampered = next(f for f in prod_comparison.policy.new if f.policy == "catalog-approved-image")
    assert "tampered" in tampered.message
    assert not prod_comparison.policy.fixed


def test_a_replaced_stateful_resource_is_called_out_first(
    prod_comparison: StackComparison,
) -> None:
    bucket = change_of(prod_comparison, "mcp-backups-bucket-primary")
    assert bucket.kind is ChangeKind.REPLACED
    (reason,) = bucket.replacement_reasons
    assert reason.startswith("bucketPrefix (terraform-provider-aws internal/service/s3/bucket.go")
    first = prod_comparison.callouts[0]
    assert first.kind is CalloutKind.DATA_LOSS
    assert "REPLACED" in first.message and "mcp-backups-bucket" in first.message
    protection = callouts_of(prod_comparison, CalloutKind.PROTECTION)
    assert any("mcp-backups-bucket-primary" in m and "refuses to replace" in m for m in protection)


def test_a_resource_that_follows_a_replaced_bucket_is_replaced_too(
    prod_comparison: StackComparison,
) -> None:
    # "bucket" is ForceNew on every bucket sub-resource: the new bucket gets a new one.
    versioning = change_of(prod_comparison, "mcp-backups-bucket-primary-versioning")
    assert versioning.kind is ChangeKind.REPLACED


def test_a_stack_new_at_base_is_all_added(
    changed_repository: ChangedRepository, prod_comparison: StackComparison
) -> None:
    (comparison,) = compare(
        ["prod"],
        changed_repository.empty,
        changed_repository.path,
        heads={"prod": prod_comparison.head},
    )
    assert comparison.diff.base_missing is not None
    assert comparison.diff.base_missing.startswith("stack is new at base")
    assert comparison.diff.count(ChangeKind.ADDED) == len(prod_comparison.head.resources)
    assert comparison.diff.count(ChangeKind.DELETED) == 0


def test_the_base_worktree_is_removed_even_when_the_review_fails(
    changed_repository: ChangedRepository,
) -> None:
    def failing_analyzer(*_: object) -> list[object]:
        raise RuntimeError("the analyzer broke")

    with pytest.raises(RuntimeError, match="the analyzer broke"):
        compare(
            ["prod"],
            changed_repository.empty,
            changed_repository.path,
            analyze=failing_analyzer,
            heads={"prod": RenderedStack("mcp-fleet", "prod", [])},
        )
    worktrees = subprocess.run(
        ["git", "-C", str(changed_repository.path), "worktree", "list", "--porcelain"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert worktrees.count("worktree ") == 1, worktrees
