"""The network boundary as ``Platform`` renders it, with two, three and four tenants.

In: every server's pods admit only the gateway's pods (its namespace AND its pod labels) on
the server's port; nothing else in any tenant namespace admits anything. Out: every pod may
reach DNS and the collector; a server reaches what its catalog entry declares, for its own
pods only. A tenant declared without servers still gets its whole boundary and limits.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from typing import Any

import pytest

from catalog.egress import EgressRule
from components.gateway import SELECTOR as GATEWAY_PODS
from components.labels import selector_labels
from components.platform import Platform, PlatformArgs
from components.platform_args import GATEWAY_NAMESPACE
from stacks.fleet_plan import Settings
from stacks.tenant_settings import TenantIdentity
from tests.components.harness import Built, build
from tests.tenancy.test_platform_tenancy import in_namespace, three_tenants, two_tenants

NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
NAME_LABEL = "kubernetes.io/metadata.name"
GATEWAY_PEER = {
    "namespaceSelector": {"matchLabels": {NAME_LABEL: GATEWAY_NAMESPACE}},
    "podSelector": {"matchLabels": GATEWAY_PODS},
}
EMPTY = "sandbox"
ORDERS_DB = EgressRule(name="orders-db", ports=(5432,), cidrs=("10.20.0.0/24",))
INDEX = EgressRule(name="search-index", ports=(9200,), namespace="search-index")


def with_egress(settings: Settings) -> Settings:
    """The first server of each tenant calls a database and an in-cluster index."""
    firsts = {s.tenant: s.name for s in reversed(settings.servers)}
    servers = tuple(
        replace(s, entry=s.entry.model_copy(update={"egress": (ORDERS_DB, INDEX)}))
        if firsts[s.tenant] == s.name
        else s
        for s in settings.servers
    )
    return replace(settings, servers=servers)


def four_tenants() -> Settings:
    """Three tenants with servers and one declared without any yet."""
    settings = three_tenants()
    research = next(t for t in settings.tenant_settings if t.name == "research")
    sandbox = research.model_copy(
        update={
            "name": EMPTY,
            "owner": "sandbox@acme.example",
            "identity": TenantIdentity(
                issuer="https://login.acme.example/sandbox", key_files=("sandbox.pem",)
            ),
        }
    )
    return replace(settings, tenant_settings=(*settings.tenant_settings, sandbox))


SETTINGS = {
    "two": lambda: with_egress(two_tenants()),
    "three": lambda: with_egress(three_tenants()),
    "four": lambda: with_egress(four_tenants()),
}


@cache
def rendered(which: str) -> tuple[Settings, Built[Platform]]:
    settings = SETTINGS[which]()
    return settings, build(
        lambda: Platform("mcp", PlatformArgs(settings=settings)), stack="prod", region="eu-west-1"
    )


@pytest.fixture(params=sorted(SETTINGS))
def stack(request: pytest.FixtureRequest) -> tuple[Settings, Built[Platform]]:
    return rendered(request.param)


def specs(built: Built[Platform], namespace: str) -> dict[str, dict[str, Any]]:
    return {
        p["inputs"]["metadata"]["name"]: p["inputs"]["spec"]
        for p in in_namespace(built, NP, namespace)
    }


def test_each_server_admits_only_the_gateways_pods_on_its_port(
    stack: tuple[Settings, Built[Platform]],
) -> None:
    settings, built = stack
    for server in settings.servers:
        spec = specs(built, server.namespace)[server.name]
        assert spec["podSelector"] == {"matchLabels": selector_labels(server)}
        assert spec["ingress"] == [
            {"from": [GATEWAY_PEER], "ports": [{"port": server.entry.port, "protocol": "TCP"}]}
        ], server.name


def test_nothing_else_in_a_tenant_namespace_admits_anything(
    stack: tuple[Settings, Built[Platform]],
) -> None:
    """No other tenant, no load balancer address, no other pod of the gateway's namespace."""
    settings, built = stack
    servers = {s.name for s in settings.servers}
    for tenant in settings.tenant_settings:
        for name, spec in specs(built, tenant.namespace).items():
            for rule in spec.get("ingress", []):
                assert name in servers, f"{tenant.namespace}/{name} admits traffic"
                assert rule["from"] == [GATEWAY_PEER], f"{tenant.namespace}/{name}"


def test_egress_is_dns_the_collector_and_each_servers_own_declared_dependencies(
    stack: tuple[Settings, Built[Platform]],
) -> None:
    settings, built = stack
    collector = settings.telemetry.namespace
    for tenant in settings.tenant_settings:
        found = specs(built, tenant.namespace)
        shared = {
            json.dumps(peer, sort_keys=True)
            for name, spec in found.items()
            if not spec["podSelector"]
            for rule in spec.get("egress", [])
            for peer in rule["to"]
        }
        assert shared == {
            json.dumps(
                {
                    "namespaceSelector": {"matchLabels": {NAME_LABEL: "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                },
                sort_keys=True,
            ),
            json.dumps({"namespaceSelector": {"matchLabels": {NAME_LABEL: collector}}}),
        }, tenant.name
    for server in settings.servers:
        spec = specs(built, server.namespace)[server.name]
        if server.entry.egress:
            assert spec["policyTypes"] == ["Ingress", "Egress"]
            assert [rule["to"] for rule in spec["egress"]] == [
                [{"ipBlock": {"cidr": "10.20.0.0/24"}}],
                [{"namespaceSelector": {"matchLabels": {NAME_LABEL: "search-index"}}}],
            ]
        else:
            assert "egress" not in spec and spec["policyTypes"] == ["Ingress"], server.name


def test_a_tenant_without_servers_still_gets_its_boundary_and_limits() -> None:
    settings, built = rendered("four")
    assert not [s for s in settings.servers if s.tenant == EMPTY]
    namespace = f"mcp-{EMPTY}"
    for kind in ("ResourceQuota", "LimitRange"):
        assert len(in_namespace(built, f"kubernetes:core/v1:{kind}", namespace)) == 1, kind
    assert set(specs(built, namespace)) == {
        "default-deny-ingress",
        "default-deny-egress",
        "allow-dns-egress",
        "allow-dependencies-egress",
    }
    names = {
        kind: {r["inputs"].get("name") for r in built.of_type(kind)}
        for kind in (
            "aws:budgets/budget:Budget",
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:kms/alias:Alias",
            "aws:cloudwatch/dashboard:Dashboard",
        )
    }
    assert f"mcp-fleet-prod-{EMPTY}" in names["aws:budgets/budget:Budget"]
    assert f"/mcp-fleet-prod/tenant/{EMPTY}" in names["aws:cloudwatch/logGroup:LogGroup"]
    assert f"alias/mcp-fleet-prod-{EMPTY}" in names["aws:kms/alias:Alias"]
    dashboards = [
        d for d in built.of_type("aws:cloudwatch/dashboard:Dashboard")
        if EMPTY in d["inputs"]["dashboardName"]
    ]  # fmt: skip
    assert len(dashboards) == 1
