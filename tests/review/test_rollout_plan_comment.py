"""The PR comment of a release shows each released server's rollout plan (syrupy snapshot)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from syrupy.assertion import SnapshotAssertion

from delivery import manifests, plan_rollout
from review.changes_model import PropertyChangeEntry, ResourceChangeEntry, StackChanges
from review.model import ResourceEntry, Review, Summary
from review.report_markdown import StackSection, render_markdown
from review.rollout_plans import release_plans
from review.rollout_plans_markdown import rollout_plans_block
from tests.delivery.servers import BASELINE, STATEFUL, STRICT

OLD = "ghcr.io/acme/mcp-{}@sha256:" + "1" * 64
NEW = "ghcr.io/acme/mcp-{}@sha256:" + "2" * 64
IMAGE_PATH = "spec.template.spec.containers[mcp-server].image"


def _record(kind: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    token = {
        "Rollout": "kubernetes:argoproj.io/v1alpha1:Rollout",
        "AnalysisTemplate": "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate",
        "Service": "kubernetes:core/v1:Service",
        "Deployment": "kubernetes:apps/v1:Deployment",
    }[kind]
    return {
        "urn": f"urn:pulumi:prod::mcp-fleet::{token}::{name}",
        "type": token,
        "name": name,
        "parent": None,
        "inputs": inputs,
        "dependencies": [],
    }


def stack(stage: str) -> list[dict[str, Any]]:
    """Three servers' Deployments and rollout objects, as the program renders them."""
    records: list[dict[str, Any]] = []
    for inputs in (BASELINE, STRICT, STATEFUL):
        plan = plan_rollout(replace(inputs, stage=stage))
        labels = {"app.kubernetes.io/name": plan.server}
        meta = {"name": plan.server, "namespace": plan.namespace, "labels": labels}
        records.append(_record("Deployment", f"{plan.server}-deployment", {"metadata": meta}))
        for doc in manifests.render(plan, 8080, labels, labels):
            records.append(_record(doc["kind"], f"{doc['metadata']['name']}-{doc['kind']}", doc))
    return records


def release(records: list[dict[str, Any]], *servers: str) -> StackChanges:
    """The diff of a release: the image of each named server's Deployment changes."""
    changes = [
        ResourceChangeEntry(
            urn=r["urn"],
            type=r["type"],
            name=r["name"],
            change="changed",
            component="mcp-fleet:fleet:McpServer",
            server=r["inputs"]["metadata"]["name"],
            properties=[
                PropertyChangeEntry(
                    path=IMAGE_PATH,
                    change="modified",
                    before=OLD.format(r["inputs"]["metadata"]["name"]),
                    after=NEW.format(r["inputs"]["metadata"]["name"]),
                )
            ],
        )
        for r in records
        if r["type"].endswith(":Deployment") and r["inputs"]["metadata"]["name"] in servers
    ]
    return StackChanges(
        base="main", counts={"changed": len(changes)}, unchanged=0, callouts=[], changes=changes
    )


def test_a_release_in_prod_shows_steps_windows_thresholds_and_rollback(
    snapshot: SnapshotAssertion,
) -> None:
    records = stack("prod")
    plans = release_plans(records, release(records, "payments-tools", "notebook"))
    assert [p.server for p in plans] == ["payments-tools", "notebook"]
    block = rollout_plans_block(plans)
    assert block is not None
    assert "25 % → 50 % → 75 % → 100 %" in block
    assert "tool-error-ratio ≤ 0.001 over 60s" in block, "the 99.9 % server's budget"
    assert "tool-latency-p95 ≤ 250 ms" in block
    assert "session-error-ratio ≤ 0.005" in block, "the stateful server's session check"
    assert "drain 300 s, watch 60 s" in block and "24 min" in block
    assert "fast-burn ≤ 0.0144 over 300s, every 60s" in block
    assert "**Rolls back**" in block and "`mcp-fleet-ticket-0`" in block
    assert block == snapshot


def test_a_release_in_dev_says_the_analysis_only_measures(snapshot: SnapshotAssertion) -> None:
    records = stack("dev")
    block = rollout_plans_block(release_plans(records, release(records, "github-tools")))
    assert block is not None
    assert "**Dry run** for `github-tools`" in block and "**Rolls back**" not in block
    assert block == snapshot


def test_no_image_change_means_no_rollout_plan_block() -> None:
    records = stack("prod")
    changes = release(records)
    assert release_plans(records, changes) == []
    assert rollout_plans_block([]) is None
    assert release_plans(records, None) == []


def test_the_pull_request_comment_carries_the_plan_after_the_policy_block() -> None:
    records = stack("prod")
    review = Review(
        project="mcp-fleet",
        stack="prod",
        resources=[ResourceEntry(**r) for r in records],
        summary=Summary(total=len(records), by_type={}),
        servers=[],
        policy=[],
    )
    text = render_markdown([StackSection(review, release(records, "github-tools"))])
    assert "#### Rollout plan (1 server released)" in text
    assert (
        "| `github-tools` | `mcp-github-tools@111111111111` → `mcp-github-tools@222222222222`"
        in text
    )
