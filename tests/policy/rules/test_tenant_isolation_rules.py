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
    [message] = isolation_problems(resources)
    assert "lacks a ResourceQuota, a LimitRange, a default-deny Ingress" in message
    assert "default-deny Egress" in message


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
