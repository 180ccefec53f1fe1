"""A change to a tenant's quota, limit range, network policy or budget is called out by tenant,
and so is a change to whom the gateway trusts as the tenant (issuer, algorithm, keys)."""

from __future__ import annotations

from typing import Any

from gateway import GatewayConfig, RateLimit
from gateway.model import JwtAlgorithm
from gateway.render import render
from review.callouts import CalloutKind, callouts
from review.diff import diff_stacks
from review.tenant_identity import TrustedIdentity, trusted_identities
from tests.gateway.configs import sample_config
from tests.review_diff.test_diff_rules import record, stack

TENANT = "mcp-fleet.io/tenant"
QUOTA = "kubernetes:core/v1:ResourceQuota"
NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
BUDGET = "aws:budgets/budget:Budget"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"


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


def gateway_config_map(config: GatewayConfig) -> dict[str, Any]:
    """The gateway's ConfigMap as the component renders it: labelled, the rendered text."""
    labels = {TENANT: "shared", "app.kubernetes.io/component": "gateway"}
    metadata = {"name": "mcp-gateway", "namespace": "mcp-gateway", "labels": labels}
    return record(CONFIG_MAP, "mcp-gateway-config", {"metadata": metadata, "data": {
        "haproxy.cfg": render(config)}})  # fmt: skip


def with_tenant(config: GatewayConfig, name: str, **changes: Any) -> GatewayConfig:
    tenants = tuple(t.model_copy(update=changes) if t.name == name else t for t in config.tenants)
    return config.model_copy(update={"tenants": tenants})


def identity_messages(before: GatewayConfig, after: GatewayConfig) -> list[str]:
    return tenant_messages([gateway_config_map(before)], [gateway_config_map(after)])


def test_the_parser_reads_what_the_gateway_renders() -> None:
    config = with_tenant(sample_config(), "research", key_files=("/keys/a.pem", "/keys/b.pem"))
    found = trusted_identities(render(config))
    assert found == {
        "storefront": TrustedIdentity(
            frozenset({"https://storefront.issuer.example"}),
            frozenset({"RS256"}),
            frozenset({"/keys/pub.pem"}),
        ),
        "research": TrustedIdentity(
            frozenset({"https://research.issuer.example"}),
            frozenset({"RS256"}),
            frozenset({"/keys/a.pem", "/keys/b.pem"}),
        ),
    }


def test_an_issuer_change_is_called_out_for_its_tenant_only() -> None:
    before = sample_config()
    after = with_tenant(before, "research", issuer="https://login.example/research-v2")
    assert identity_messages(before, after) == [
        "tenant research's token issuer at the gateway changes from "
        "`https://research.issuer.example` to `https://login.example/research-v2`: tokens of "
        "the old issuer are refused once it deploys"
    ]


def test_a_key_rotation_and_an_algorithm_change_are_called_out() -> None:
    before = sample_config()
    rotated = with_tenant(before, "storefront", key_files=("/keys/pub.pem", "/keys/2027.pem"))
    assert identity_messages(before, rotated) == [
        "tenant storefront's signing keys at the gateway change (added `/keys/2027.pem`)"
    ]
    dropped = with_tenant(
        before, "storefront", key_files=("/keys/2027.pem",), algorithm=JwtAlgorithm("ES256")
    )
    assert identity_messages(before, dropped) == [
        "tenant storefront's signing keys at the gateway change (added `/keys/2027.pem`, "
        "removed `/keys/pub.pem`): tokens signed only by a removed key are refused",
        "tenant storefront's token algorithm at the gateway changes from `RS256` to `ES256`",
    ]


def test_a_tenant_newly_trusted_or_no_longer_trusted_is_called_out() -> None:
    before = sample_config()
    only_storefront = before.model_copy(
        update={
            "tenants": before.tenants[:1],
            "routes": tuple(r for r in before.routes if r.tenant == "storefront"),
        }
    )
    assert identity_messages(only_storefront, before) == [
        "tenant research is newly trusted at the gateway: issuer "
        "`https://research.issuer.example`, keys `/keys/pub.pem`"
    ]
    assert identity_messages(before, only_storefront) == [
        "tenant research is no longer trusted at the gateway (issuer "
        "`https://research.issuer.example`): every token of it is refused"
    ]


def test_a_gateway_change_that_leaves_identities_alone_is_not_called_out() -> None:
    before = sample_config()
    after = with_tenant(before, "storefront", rate_limit=RateLimit(requests=99, period_seconds=1))
    assert render(before) != render(after)
    assert identity_messages(before, after) == []
