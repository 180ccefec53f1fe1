"""TenantNamespace under mocks: quota, limits, restricted pods and isolation both ways.

The namespace admits nothing in (servers' own policies admit the gateway, tests/components/
test_mcp_server.py) and lets every pod out only to DNS and the shared dependencies.
"""

from __future__ import annotations

import math
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.tenant_namespace import EgressDependency, TenantNamespace, TenantNamespaceArgs
from stacks.tenant_settings import check_quota_fits
from tests.tenancy.mocks import render
from tests.tenancy.tenants import tenant, workload

NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
TENANTS = frozenset({"mcp-acme", "mcp-globex", "mcp-initech"})
POSTGRES = EgressDependency(name="orders-db", cidrs=("10.20.0.0/24",), ports=(5432,))


def args_for(name: str, **overrides: Any) -> TenantNamespaceArgs:
    settings = tenant(name)
    values: dict[str, Any] = {
        "tenant": name,
        "namespace": f"mcp-{name}",
        "labels": {"mcp-fleet.io/tenant": name, "mcp-fleet.io/environment": "prod"},
        "quota": settings.quota,
        "container_defaults": settings.container_defaults,
        "tenant_namespaces": TENANTS,
        "dependencies": (POSTGRES,),
    }
    values.update(overrides)
    return TenantNamespaceArgs(**values)


def build_namespace(args: TenantNamespaceArgs) -> Any:
    def build() -> pulumi.Output[str]:
        cluster = k8s.Provider("cluster", kubeconfig="{}")
        made = TenantNamespace(
            f"tenant-{args.tenant}", args, pulumi.ResourceOptions(providers={"kubernetes": cluster})
        )
        return made.namespace

    return render(build)


def policies(mocks: Any, namespace: str) -> dict[str, dict[str, Any]]:
    return {
        p["metadata"]["name"]: p["spec"]
        for p in mocks.of_type(NP)
        if p["metadata"]["namespace"] == namespace
    }


def test_the_namespace_enforces_restricted_pods() -> None:
    mocks = build_namespace(args_for("acme"))
    (namespace,) = mocks.of_type("kubernetes:core/v1:Namespace")
    labels = namespace["metadata"]["labels"]
    assert namespace["metadata"]["name"] == "mcp-acme"
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert labels["mcp-fleet.io/tenant"] == "acme"


def test_quota_and_limit_range_come_from_the_tenant_settings() -> None:
    mocks = build_namespace(args_for("acme"))
    (quota,) = mocks.of_type("kubernetes:core/v1:ResourceQuota")
    assert quota["metadata"]["namespace"] == "mcp-acme"
    assert quota["spec"]["hard"] == {
        "requests.cpu": "16000m",
        "requests.memory": "32768Mi",
        "pods": "60",
        "services": "10",
        "services.loadbalancers": "0",
        "services.nodeports": "0",
    }
    (limits,) = mocks.of_type("kubernetes:core/v1:LimitRange")
    (item,) = limits["spec"]["limits"]
    assert item == {
        "type": "Container",
        "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
        "default": {"cpu": "500m", "memory": "256Mi"},
    }


def peak(server: Any) -> int:
    return server.capacity.max_replicas + math.ceil(server.capacity.max_replicas / 4)


def test_a_quota_that_passed_the_plan_check_is_what_the_cluster_enforces() -> None:
    """The same numbers: ``check_quota_fits`` accepts it, and the hard limits hold the plan."""
    acme = tenant("acme")
    servers = [workload("search", "acme", 100), workload("mail", "acme", 20)]
    check_quota_fits(acme, servers)
    mocks = build_namespace(args_for("acme"))
    (quota,) = mocks.of_type("kubernetes:core/v1:ResourceQuota")
    hard = quota["spec"]["hard"]
    pods = sum(peak(s) for s in servers)
    assert int(hard["pods"]) >= pods
    assert int(hard["requests.cpu"].removesuffix("m")) >= sum(
        (peak(s)) * s.capacity.cpu_request_millicores for s in servers
    )


def test_ingress_and_egress_are_denied_then_only_dns_and_dependencies_allowed() -> None:
    mocks = build_namespace(args_for("acme"))
    found = policies(mocks, "mcp-acme")
    assert set(found) == {
        "default-deny-ingress",
        "default-deny-egress",
        "allow-dns-egress",
        "allow-dependencies-egress",
    }
    assert found["default-deny-ingress"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    assert found["default-deny-egress"] == {"podSelector": {}, "policyTypes": ["Egress"]}
    (dns,) = found["allow-dns-egress"]["egress"]
    assert dns["to"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ]
    assert {(p["protocol"], p["port"]) for p in dns["ports"]} == {("UDP", 53), ("TCP", 53)}
    (database,) = found["allow-dependencies-egress"]["egress"]
    assert database == {
        "to": [{"ipBlock": {"cidr": "10.20.0.0/24"}}],
        "ports": [{"port": 5432, "protocol": "TCP"}],
    }
    admitting = [name for name, spec in found.items() if spec.get("ingress")]
    assert admitting == [], "the namespace itself admits nobody; each server admits the gateway"


def test_no_policy_of_three_tenants_admits_another_tenant() -> None:
    """Every peer any allow names is kube-system, the gateway or a declared CIDR."""
    for name in ("acme", "globex", "initech"):
        mocks = build_namespace(args_for(name))
        for spec in policies(mocks, f"mcp-{name}").values():
            rules = [*spec.get("ingress", []), *spec.get("egress", [])]
            for rule in rules:
                for peer in [*rule.get("from", []), *rule.get("to", [])]:
                    selector = peer.get("namespaceSelector", {}).get("matchLabels", {})
                    assert selector.get("kubernetes.io/metadata.name") not in TENANTS
                    assert "ipBlock" in peer or selector, peer


def test_without_dependencies_no_egress_beyond_dns_is_allowed() -> None:
    mocks = build_namespace(args_for("acme", dependencies=()))
    assert "allow-dependencies-egress" not in policies(mocks, "mcp-acme")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"dependencies": (EgressDependency(name="x", namespace="mcp-globex", ports=(8080,)),)},
            "namespace mcp-globex belongs to another tenant",
        ),
        (
            {"dependencies": (EgressDependency(name="db", cidrs=("10.0.0.1/24",), ports=(5432,)),)},
            "'10.0.0.1/24' is not a CIDR block",
        ),
        ({"dependencies": (EgressDependency(name="db", ports=(5432,)),)}, "give cidrs or"),
        (
            {"dependencies": (EgressDependency(name="db", cidrs=("10.0.0.0/8",), ports=()),)},
            "ports must be 1-65535",
        ),
        ({"tenant_namespaces": frozenset({"mcp-globex"})}, "mcp-acme is missing"),
    ],
)
def test_wrong_args_are_refused_before_anything_is_created(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_namespace(args_for("acme", **overrides))


def test_an_existing_namespace_can_be_adopted_under_its_old_resource_name() -> None:
    """Platform's namespaces predate the component: the name is kept, an alias moves it."""
    adopted = args_for(
        "acme",
        namespace_resource_name="mcp-ns-acme",
        namespace_aliases=(pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE),),
    )
    mocks = build_namespace(adopted)
    (namespace,) = mocks.of_type("kubernetes:core/v1:Namespace")
    assert namespace["__name"] == "mcp-ns-acme"
    assert {p["__name"] for p in mocks.of_type(NP)} >= {"mcp-ns-acme-default-deny"}
