"""Tenant isolation as ``Platform`` builds it, with the prod stack's two tenants and with three.

Each dimension of issue 12 is checked on the rendered resources, per tenant, against every
other tenant: the namespace (kept under its old resource name), its quota and limit range
from the settings, default-deny both ways with nothing admitting another tenant's namespace,
secrets under the tenant's path read by roles trusting only the tenant's ServiceAccounts and
mounted by its servers, the tenant's log group, key alias and budget to its owner.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from typing import Any

import pytest

from components.platform import Platform, PlatformArgs
from components.tenant_namespace import resource_quota_hard
from components.tenant_secrets import IRSA_ANNOTATION
from stacks import load_settings
from stacks.fleet_plan import Settings
from stacks.tenant_settings import TenantIdentity
from tests.components.harness import Built, build
from tests.stacks.stack_config import raw_config

THIRD = "labs"


def two_tenants() -> Settings:
    return load_settings(raw_config("prod"), project="mcp-fleet", stack="prod")


def three_tenants() -> Settings:
    """Prod with a third tenant running one of research's servers (past the catalog check)."""
    settings = two_tenants()
    research = next(t for t in settings.tenant_settings if t.name == "research")
    labs = research.model_copy(
        update={
            "name": THIRD,
            "owner": "labs@acme.example",
            "identity": TenantIdentity(
                issuer="https://login.acme.example/labs", key_files=("labs.pem",)
            ),
        }
    )
    moved = next(s for s in settings.servers if s.tenant == "research")
    servers = tuple(
        replace(s, tenant=THIRD, namespace=f"mcp-{THIRD}") if s is moved else s
        for s in settings.servers
    )
    return replace(settings, servers=servers, tenant_settings=(*settings.tenant_settings, labs))


SETTINGS = {"two": two_tenants, "three": three_tenants}


@cache
def rendered(which: str) -> tuple[Settings, Built[Platform]]:
    settings = SETTINGS[which]()
    return settings, build(
        lambda: Platform("mcp", PlatformArgs(settings=settings)), stack="prod", region="eu-west-1"
    )


def in_namespace(built: Built[Platform], type_token: str, namespace: str) -> list[dict[str, Any]]:
    return [
        r
        for r in built.of_type(type_token)
        if r["inputs"]["metadata"].get("namespace") == namespace
    ]


@pytest.fixture(params=["two", "three"])
def stack(request: pytest.FixtureRequest) -> tuple[Settings, Built[Platform]]:
    return rendered(request.param)


def test_every_tenant_has_its_components(stack: tuple[Settings, Built[Platform]]) -> None:
    settings, built = stack
    names = sorted(t.name for t in settings.tenant_settings)
    assert len(names) in (2, 3)
    for kind in ("TenantNamespace", "TenantKey", "TenantSecrets", "TenantObservability"):
        found = sorted(r["name"] for r in built.of_type(f"mcp-fleet:tenancy:{kind}"))
        assert [n.split("-")[2] for n in found] == names, kind


def test_the_namespace_keeps_its_resource_name(stack: tuple[Settings, Built[Platform]]) -> None:
    settings, built = stack
    by_name = {r["name"]: r for r in built.of_type("kubernetes:core/v1:Namespace")}
    for tenant in settings.tenant_settings:
        namespace = by_name[f"mcp-ns-{tenant.name}"]
        assert namespace["inputs"]["metadata"]["name"] == tenant.namespace
        labels = namespace["inputs"]["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_quota_limits_and_default_deny_per_namespace(
    stack: tuple[Settings, Built[Platform]],
) -> None:
    settings, built = stack
    others = {t.namespace for t in settings.tenant_settings}
    for tenant in settings.tenant_settings:
        (quota,) = in_namespace(built, "kubernetes:core/v1:ResourceQuota", tenant.namespace)
        assert quota["inputs"]["spec"]["hard"] == resource_quota_hard(tenant.quota)
        (limits,) = in_namespace(built, "kubernetes:core/v1:LimitRange", tenant.namespace)
        default = limits["inputs"]["spec"]["limits"][0]["default"]
        assert default["cpu"] == f"{tenant.container_defaults.cpu_limit_millicores}m"
        policies = in_namespace(
            built, "kubernetes:networking.k8s.io/v1:NetworkPolicy", tenant.namespace
        )
        denies = {
            tuple(p["inputs"]["spec"]["policyTypes"])
            for p in policies
            if not p["inputs"]["spec"].get("ingress")
            and not p["inputs"]["spec"].get("egress")
            and not p["inputs"]["spec"]["podSelector"]
        }
        assert {("Ingress",), ("Egress",)} <= denies
        admitted = json.dumps([p["inputs"]["spec"] for p in policies])
        for other in others - {tenant.namespace}:
            assert f'"{other}"' not in admitted


def test_secrets_roles_and_mounts_stay_in_the_tenant(
    stack: tuple[Settings, Built[Platform]],
) -> None:
    settings, built = stack
    secrets = built.of_type("aws:secretsmanager/secret:Secret")
    roles = {r["inputs"].get("name", ""): r for r in built.of_type("aws:iam/role:Role")}
    for server in settings.servers:
        own = [s for s in secrets if s["inputs"]["name"].startswith(f"/prod/{server.tenant}/")]
        assert {s["inputs"]["name"] for s in own} >= {
            f"/prod/{server.tenant}/{server.name}/config",
            f"/prod/{server.tenant}/{server.name}/credentials",
        }
        (role,) = [r for n, r in roles.items() if n.endswith(f"-{server.tenant}-{server.name}")]
        trust = json.loads(role["inputs"]["assumeRolePolicy"])
        subjects = json.dumps(trust["Statement"])
        assert f"system:serviceaccount:{server.namespace}:{server.name}" in subjects
        (account,) = [
            a
            for a in in_namespace(built, "kubernetes:core/v1:ServiceAccount", server.namespace)
            if a["inputs"]["metadata"]["name"] == server.name
        ]
        assert IRSA_ANNOTATION in account["inputs"]["metadata"]["annotations"]
        (deployment,) = [
            d
            for d in in_namespace(built, "kubernetes:apps/v1:Deployment", server.namespace)
            if d["inputs"]["metadata"]["name"] == server.name
        ]
        volumes = deployment["inputs"]["spec"]["template"]["spec"]["volumes"]
        classes = [
            v["csi"]["volumeAttributes"]["secretProviderClass"] for v in volumes if "csi" in v
        ]
        assert classes == [f"{server.name}-secrets"]
        (provider_class,) = [
            c
            for c in built.of_type("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass")
            if c["inputs"]["metadata"]["name"] == f"{server.name}-secrets"
        ]
        assert provider_class["inputs"]["metadata"]["namespace"] == server.namespace
        assert f"/{server.tenant}/{server.name}/" in json.dumps(provider_class["inputs"]["spec"])


def test_logs_key_and_budget_per_tenant(stack: tuple[Settings, Built[Platform]]) -> None:
    settings, built = stack
    groups = {g["inputs"]["name"]: g for g in built.of_type("aws:cloudwatch/logGroup:LogGroup")}
    aliases = {a["inputs"]["name"] for a in built.of_type("aws:kms/alias:Alias")}
    budgets = {b["inputs"]["name"]: b for b in built.of_type("aws:budgets/budget:Budget")}
    for tenant in settings.tenant_settings:
        group = groups[f"/mcp-fleet-prod/tenant/{tenant.name}"]
        assert group["inputs"]["retentionInDays"] == tenant.log_retention_days
        assert f"alias/mcp-fleet-prod-{tenant.name}" in aliases
        budget = budgets[f"mcp-fleet-prod-{tenant.name}"]
        assert float(budget["inputs"]["limitAmount"]) == tenant.monthly_budget_usd
        assert json.dumps(budget["inputs"]["costFilters"]).count(f"${tenant.name}") == 1
        for alert in budget["inputs"]["notifications"]:
            assert alert["subscriberEmailAddresses"] == [tenant.owner]
