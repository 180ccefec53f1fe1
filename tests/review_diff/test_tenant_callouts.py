"""A change to a tenant's quota, limit range, network policy or budget is called out by tenant."""

from __future__ import annotations

from typing import Any

from review.callouts import CalloutKind, callouts
from review.diff import diff_stacks
from tests.review_diff.test_diff_rules import record, stack

TENANT = "mcp-fleet.io/tenant"
QUOTA = "kubernetes:core/v1:ResourceQuota"
NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
BUDGET = "aws:budgets/budget:Budget"


def in_namespace(namespace: str, tenant: str, spec: dict[str, Any]) -> dict[str, Any]:
    metadata = {"name": "x", "namespace": namespace, "labels": {TENANT: tenant}}
    return {"metadata": metadata, "spec": spec}


def tenant_messages(base: list[dict[str, Any]], head: list[dict[str, Any]]) -> list[str]:
    found = callouts(diff_stacks(stack(*base), stack(*head), "main"))
    return [c.message for c in found if c.kind is CalloutKind.TENANT]


def test_a_quota_change_names_the_tenant_and_the_path() -> None:
    before = record(QUOTA, "q", in_namespace("mcp-acme", "acme", {"hard": {"pods": "40"}}))
    after = record(QUOTA, "q", in_namespace("mcp-acme", "acme", {"hard": {"pods": "400"}}))
    assert tenant_messages([before], [after]) == [
        "tenant acme's quota `q` is changed (`spec.hard.pods`)"
    ]


def test_a_removed_network_policy_and_an_added_budget_are_called_out() -> None:
    deny = record(NETPOL, "deny", in_namespace("mcp-acme", "acme", {"policyTypes": ["Egress"]}))
    budget = record(BUDGET, "b", {"limitAmount": "100.00", "tags": {TENANT: "acme"}})
    assert sorted(tenant_messages([deny], [budget])) == [
        "tenant acme's budget `b` is added",
        "tenant acme's network policy `deny` is deleted",
    ]


def test_shared_and_unchanged_objects_are_not_called_out() -> None:
    shared = record(QUOTA, "q", in_namespace("mcp-backups", "shared", {"hard": {"pods": "1"}}))
    moved = record(QUOTA, "q", in_namespace("mcp-backups", "shared", {"hard": {"pods": "2"}}))
    own = record(QUOTA, "o", in_namespace("mcp-acme", "acme", {"hard": {"pods": "4"}}))
    assert tenant_messages([shared, own], [moved, own]) == []


def test_a_label_only_change_is_not_a_boundary_change() -> None:
    before = record(QUOTA, "q", in_namespace("mcp-acme", "acme", {"hard": {"pods": "4"}}))
    after = record(QUOTA, "q", in_namespace("mcp-acme", "acme", {"hard": {"pods": "4"}}))
    after["inputs"]["metadata"]["labels"]["mcp-fleet.io/slo-p95-ms"] = "380"
    assert tenant_messages([before], [after]) == []
