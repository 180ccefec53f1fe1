"""tenant-namespace-isolated, tenant-resources-own-path, tenant-budget-present, one case at a time."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policy.rules.tenant_budget_present import tenant_budget_present
from policy.rules.tenant_namespace_isolated import tenant_namespace_isolated
from policy.rules.tenant_resources_own_path import tenant_resources_own_path
from tests.policy.harness import UNKNOWN, resource, resource_args, stack_args, violations

TENANT = "mcp-fleet.io/tenant"
ENVIRONMENT = "mcp-fleet.io/environment"
NS = "kubernetes:core/v1:Namespace"
NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


def namespace(tenant: str = "acme", environment: str = "prod") -> Any:
    labels = {TENANT: tenant, ENVIRONMENT: environment}
    return resource(NS, {"metadata": {"name": f"mcp-{tenant}", "labels": labels}}, name=tenant)


def inside(kind: str, name: str, spec: dict[str, Any], ns: str = "mcp-acme") -> Any:
    return resource(kind, {"metadata": {"name": name, "namespace": ns}, "spec": spec}, name=name)


def deny(direction: str) -> dict[str, Any]:
    return {"podSelector": {}, "policyTypes": [direction]}


def isolated(ns: str = "mcp-acme") -> list[Any]:
    return [
        inside("kubernetes:core/v1:ResourceQuota", "q", {"hard": {"pods": "10"}}, ns),
        inside("kubernetes:core/v1:LimitRange", "l", {"limits": []}, ns),
        inside(NETPOL, "deny-in", deny("Ingress"), ns),
        inside(NETPOL, "deny-out", deny("Egress"), ns),
    ]


def isolation_problems(resources: list[Any]) -> list[str]:
    return violations(tenant_namespace_isolated, stack_args(resources))


def test_an_isolated_tenant_namespace_passes() -> None:
    assert isolation_problems([namespace(), *isolated()]) == []


@pytest.mark.parametrize(
    ("dropped", "named"),
    [
        ("q", "a ResourceQuota"),
        ("l", "a LimitRange"),
        ("deny-in", "a default-deny Ingress NetworkPolicy"),
        ("deny-out", "a default-deny Egress NetworkPolicy"),
    ],
)
def test_each_missing_piece_is_named(dropped: str, named: str) -> None:
    kept = [r for r in isolated() if r.name != dropped]
    [message] = isolation_problems([namespace(), *kept])
    assert message.startswith(f"tenant 'acme': namespace 'mcp-acme' lacks {named};")


def test_pieces_in_another_namespace_or_allowing_traffic_do_not_count() -> None:
    allowing = {**deny("Egress"), "egress": [{"to": [{"namespaceSelector": {}}]}]}
    resources = [namespace(), *isolated("mcp-other")[:3], inside(NETPOL, "out", allowing)]
    lacks, admits = isolation_problems(resources)
    assert "lacks a ResourceQuota, a LimitRange, a default-deny Ingress" in lacks
    assert "default-deny Egress" in lacks
    assert "NetworkPolicy mcp-acme/out lets pods call every namespace" in admits


GATEWAY_PODS = {"app.kubernetes.io/name": "mcp-gateway", "app.kubernetes.io/component": "gateway"}


def gateway_namespace() -> Any:
    labels = {TENANT: "shared", **GATEWAY_PODS}
    return resource(NS, {"metadata": {"name": "mcp-gateway", "labels": labels}}, name="gw")


def names(namespace: str) -> dict[str, Any]:
    return {"matchLabels": {"kubernetes.io/metadata.name": namespace}}


def server_policy(*peers: dict[str, Any], egress: list[Any] | None = None) -> Any:
    spec: dict[str, Any] = {
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "github"}},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"from": list(peers), "ports": [{"port": 8080, "protocol": "TCP"}]}],
    }
    if egress is not None:
        spec["egress"] = egress
    return inside(NETPOL, "github", spec)


FROM_GATEWAY = {
    "namespaceSelector": names("mcp-gateway"),
    "podSelector": {"matchLabels": GATEWAY_PODS},
}


def with_server(policy: Any) -> list[Any]:
    stack = [gateway_namespace(), namespace(), namespace("globex"), *isolated()]
    return [*stack, *isolated("mcp-globex"), policy]


def test_a_server_admitting_only_the_gateways_pods_and_calling_its_dependencies_passes() -> None:
    egress = [
        {"to": [{"ipBlock": {"cidr": "10.20.0.0/24"}}], "ports": [{"port": 5432}]},
        {"to": [{"namespaceSelector": names("search-index")}], "ports": [{"port": 9200}]},
    ]
    assert isolation_problems(with_server(server_policy(FROM_GATEWAY, egress=egress))) == []


@pytest.mark.parametrize(
    ("peer", "expected"),
    [
        ({"namespaceSelector": names("mcp-globex")}, "admits namespace mcp-globex"),
        ({"namespaceSelector": {}}, "admits namespace any (empty selector)"),
        ({"ipBlock": {"cidr": "10.0.1.0/24"}}, "admits addresses 10.0.1.0/24"),
        ({"podSelector": {}}, "admits other pods of its own namespace"),
        ({"namespaceSelector": names("mcp-gateway")}, "admits every pod of mcp-gateway"),
        (
            {"namespaceSelector": names("mcp-gateway"), "podSelector": {"matchLabels": {"a": "b"}}},
            "admits every pod of mcp-gateway, not only the gateway's",
        ),
    ],
)
def test_a_server_admitting_anything_but_the_gateways_pods_fails(
    peer: dict[str, Any], expected: str
) -> None:
    [message] = isolation_problems(with_server(server_policy(FROM_GATEWAY, peer)))
    assert message.startswith(f"tenant 'acme': NetworkPolicy mcp-acme/github {expected}")
    assert "admits only the gateway's pods (namespace mcp-gateway" in message


def test_a_rule_without_sources_admits_everyone_and_fails() -> None:
    [message] = isolation_problems(with_server(server_policy()))
    assert "mcp-acme/github admits every source" in message


@pytest.mark.parametrize(
    ("egress", "expected"),
    [
        (
            [{"to": [{"namespaceSelector": names("mcp-globex")}]}],
            "call tenant namespace mcp-globex",
        ),
        ([{"ports": [{"port": 443}]}], "lets pods call every destination"),
    ],
)
def test_egress_into_another_tenant_or_anywhere_fails(egress: list[Any], expected: str) -> None:
    [message] = isolation_problems(with_server(server_policy(FROM_GATEWAY, egress=egress)))
    assert expected in message


def test_egress_to_its_own_namespace_passes() -> None:
    egress = [{"to": [{"namespaceSelector": names("mcp-acme")}]}]
    assert isolation_problems(with_server(server_policy(FROM_GATEWAY, egress=egress))) == []


def test_shared_namespaces_are_not_tenant_namespaces() -> None:
    assert isolation_problems([namespace(tenant="shared")]) == []


def own_path(kind: str, props: dict[str, Any], tenant: Any = "acme") -> list[str]:
    return violations(
        tenant_resources_own_path, resource_args(kind, {**props, "tags": {TENANT: tenant}})
    )


SECRET = "aws:secretsmanager/secret:Secret"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"


def trust(namespace: str) -> str:
    subject = f"system:serviceaccount:{namespace}:github"
    condition = {"StringEquals": {"oidc.eks/id/X:sub": subject}}
    return json.dumps({"Statement": [{"Effect": "Allow", "Condition": condition}]})


def test_a_tenants_own_secret_log_group_and_role_pass() -> None:
    assert own_path(SECRET, {"name": "/prod/acme/github/config"}) == []
    assert own_path(LOG_GROUP, {"name": "/mcp-fleet-prod/tenant/acme"}) == []
    assert own_path(ROLE, {"assumeRolePolicy": trust("mcp-acme")}) == []


@pytest.mark.parametrize(
    ("kind", "props", "expected"),
    [
        (SECRET, {"name": "/prod/globex/github/config"}, "is not under /<stack>/acme/"),
        (LOG_GROUP, {"name": "/mcp-fleet-prod/tenant/globex"}, "is another tenant's"),
        (ROLE, {"assumeRolePolicy": trust("mcp-globex")}, "trusts ServiceAccounts of mcp-globex"),
    ],
)
def test_naming_another_tenant_is_refused(kind: str, props: dict[str, Any], expected: str) -> None:
    [message] = own_path(kind, props)
    assert message.startswith("subject (tenant 'acme'): ") and expected in message


def test_shared_unknown_and_other_resources_are_left_alone() -> None:
    assert own_path(SECRET, {"name": "/prod/globex/x/y"}, tenant="shared") == []
    assert own_path(SECRET, {"name": UNKNOWN}) == []
    assert own_path("aws:s3/bucket:Bucket", {"bucket": "/prod/globex/"}) == []


def budget(tenant: str) -> Any:
    cost_filter = {"name": "TagKeyValue", "values": [f"user:{TENANT}${tenant}"]}
    return resource("aws:budgets/budget:Budget", {"costFilters": [cost_filter]}, name=tenant)


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_a_tenant_without_a_budget_fails_in_staging_and_prod(environment: str) -> None:
    resources = [namespace(environment=environment), namespace("globex", environment)]
    [message] = violations(tenant_budget_present, stack_args([*resources, budget("globex")]))
    assert message.startswith(f"tenant 'acme' (mcp-acme) has no budget in {environment};")


def test_budgets_per_tenant_pass_and_dev_may_go_without() -> None:
    with_budget = [namespace(), budget("acme")]
    assert violations(tenant_budget_present, stack_args(with_budget)) == []
    assert violations(tenant_budget_present, stack_args([namespace(environment="dev")])) == []
