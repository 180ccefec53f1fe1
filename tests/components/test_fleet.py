"""The fleet inside whole rendered stacks: what only the composition can show.

McpServer itself is tested in-process from hand-made Args (test_mcp_server.py). Here:
every server of each stack file gets its objects under the Platform, in its tenant's
namespace, on the cluster-bound provider, admitting only the public subnets' CIDRs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components.gateway import SELECTOR as GATEWAY_PODS
from components.labels import REQUIRED_KEYS
from components.platform_args import GATEWAY_NAMESPACE
from review.render import RenderedStack
from stacks import load_settings
from tests.stacks.stack_config import raw_config

Rendered = Callable[[str], RenderedStack]
STACKS = ["prod"]
"""One whole-stack render: the in-process tests cover each component; this, the composition."""
WORKLOAD_TYPES = {
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:core/v1:Service",
    "kubernetes:policy/v1:PodDisruptionBudget",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
}


def settings_of(stack: str) -> Any:
    return load_settings(raw_config(stack), project="mcp-fleet", stack=stack)


def server_resources(rendered: RenderedStack, server: str) -> dict[str, dict[str, Any]]:
    (component,) = [
        r for r in rendered.of_type("mcp-fleet:fleet:McpServer") if r["name"] == f"mcp-{server}"
    ]
    children = rendered.children_of(component["urn"])
    # Named after the server: a stateful server's version Services are the rollout's.
    return {
        child["type"]: child
        for child in children
        if child["type"] in WORKLOAD_TYPES and child["inputs"]["metadata"]["name"] == server
    }


@pytest.mark.parametrize("stack", STACKS)
def test_every_server_gets_its_six_objects_under_the_platform(
    rendered: Rendered, stack: str
) -> None:
    result = rendered(stack)
    (platform,) = result.of_type("mcp-fleet:platform:Platform")
    servers = result.of_type("mcp-fleet:fleet:McpServer")
    assert {s["parent"] for s in servers} == {platform["urn"]}
    for planned in settings_of(stack).servers:
        objects = server_resources(result, planned.name)
        assert set(objects) == WORKLOAD_TYPES, planned.name
        deployment = objects["kubernetes:apps/v1:Deployment"]["inputs"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["image"] == planned.entry.image
        assert deployment["spec"]["replicas"] == planned.capacity.min_replicas
        for obj in objects.values():
            metadata = obj["inputs"]["metadata"]
            assert metadata["name"] == planned.name
            assert metadata["namespace"] == f"mcp-{planned.tenant}"


def test_network_policy_admits_only_the_gateways_pods(rendered: Rendered) -> None:
    """Not the load balancer's subnets any more: the ALB targets the gateway (issue 11)."""
    result = rendered("prod")
    for planned in settings_of("prod").servers:
        policy = server_resources(result, planned.name)[
            "kubernetes:networking.k8s.io/v1:NetworkPolicy"
        ]
        spec = policy["inputs"]["spec"]
        assert spec["policyTypes"] == ["Ingress"]
        (rule,) = spec["ingress"]
        assert rule["from"] == [
            {
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": GATEWAY_NAMESPACE}
                },
                "podSelector": {"matchLabels": GATEWAY_PODS},
            }
        ]
        assert rule["ports"] == [{"port": planned.entry.port, "protocol": "TCP"}]
    # and every tenant namespace denies ingress by default
    defaults = [
        r
        for r in result.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if r["inputs"]["metadata"]["name"] == "default-deny-ingress"
    ]
    namespaces = {d["inputs"]["metadata"]["namespace"] for d in defaults}
    assert {"mcp-storefront", "mcp-research"} <= namespaces
    assert all(d["inputs"]["spec"]["podSelector"] == {} for d in defaults)


def test_every_server_object_carries_the_standard_labels(rendered: Rendered) -> None:
    stack = "prod"
    for planned in settings_of(stack).servers:
        for obj in server_resources(rendered(stack), planned.name).values():
            labels = obj["inputs"]["metadata"]["labels"]
            assert set(REQUIRED_KEYS) <= set(labels), obj["urn"]
            assert labels["mcp-fleet.io/environment"] == stack
            assert labels["mcp-fleet.io/server"] == planned.name
            assert labels["mcp-fleet.io/tenant"] == planned.tenant
            assert labels["mcp-fleet.io/owner"] == planned.entry.owner.team
            assert labels["mcp-fleet.io/tier"] == planned.entry.tier.value
            assert float(labels["mcp-fleet.io/slo-success-rate"]) == planned.slo.tool_success_rate
            assert int(labels["mcp-fleet.io/slo-p95-ms"]) == planned.slo.p95_latency_ms


def test_namespaces_enforce_restricted_pods_and_readiness_gates(rendered: Rendered) -> None:
    namespaces = rendered("prod").of_type("kubernetes:core/v1:Namespace")
    tenants = {
        n["inputs"]["metadata"]["name"]: n["inputs"]["metadata"]["labels"] for n in namespaces
    }
    for name in ("mcp-storefront", "mcp-research"):
        assert tenants[name]["pod-security.kubernetes.io/enforce"] == "restricted"
        assert tenants[name]["elbv2.k8s.aws/pod-readiness-gate-inject"] == "enabled"


def test_kubernetes_objects_use_the_cluster_bound_provider(rendered: Rendered) -> None:
    result = rendered("prod")
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    assert provider["inputs"]["kubeconfig"] == "[secret]"
    for deployment in result.of_type("kubernetes:apps/v1:Deployment"):
        assert deployment["provider"].startswith(provider["urn"])


def test_every_server_rolls_out_through_its_own_rollout(rendered: Rendered) -> None:
    result = rendered("prod")
    rollouts = {
        r["inputs"]["metadata"]["name"]: r
        for r in result.of_type("kubernetes:argoproj.io/v1alpha1:Rollout")
    }
    for planned in settings_of("prod").servers:
        rollout = rollouts[planned.name]
        assert rollout["inputs"]["metadata"]["namespace"] == f"mcp-{planned.tenant}"
        assert rollout["inputs"]["spec"]["workloadRef"]["name"] == planned.name
        hpa = server_resources(result, planned.name)[
            "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
        ]
        assert hpa["inputs"]["spec"]["scaleTargetRef"]["kind"] == "Rollout"
