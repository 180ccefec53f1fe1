"""McpServer under mocks: the Kubernetes objects a server gets and their key properties."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components.labels import REQUIRED_KEYS
from review.render import RenderedStack
from stacks import load_settings
from tests.stacks.stack_config import raw_config

Rendered = Callable[[str], RenderedStack]
STACKS = ["dev", "staging", "prod"]
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
    return {child["type"]: child for child in children if child["type"] in WORKLOAD_TYPES}


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
        for obj in objects.values():
            metadata = obj["inputs"]["metadata"]
            assert metadata["name"] == planned.name
            assert metadata["namespace"] == f"mcp-{planned.tenant}"


@pytest.mark.parametrize("stack", STACKS)
def test_deployments_follow_the_guide(rendered: Rendered, stack: str) -> None:
    settings = settings_of(stack)
    for planned in settings.servers:
        deployment = server_resources(rendered(stack), planned.name)[
            "kubernetes:apps/v1:Deployment"
        ]
        spec = deployment["inputs"]["spec"]
        assert spec["strategy"] == {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
        }
        pod = spec["template"]["spec"]
        (container,) = pod["containers"]
        assert container["image"] == planned.entry.image
        assert "@sha256:" in container["image"]
        # probes on the catalog's health paths
        assert container["readinessProbe"]["httpGet"]["path"] == planned.entry.health.readiness
        assert container["livenessProbe"]["httpGet"]["path"] == planned.entry.health.liveness
        assert container["startupProbe"]["httpGet"]["path"] == planned.entry.health.startup_path
        # requests and limits from the capacity plan
        assert container["resources"] == {
            "requests": {
                "cpu": planned.capacity.cpu_request,
                "memory": planned.capacity.memory_request,
            },
            "limits": {"cpu": planned.capacity.cpu_limit, "memory": planned.capacity.memory_limit},
        }
        # drain: a preStop pause, and a grace period longer than it
        assert container["lifecycle"]["preStop"]["sleep"]["seconds"] == 30
        assert pod["terminationGracePeriodSeconds"] > 30
        assert spec["replicas"] == planned.capacity.min_replicas
        assert "spec.replicas" in deployment["options"]["ignoreChanges"]


@pytest.mark.parametrize("stack", STACKS)
def test_pods_meet_the_restricted_pod_security_standard(rendered: Rendered, stack: str) -> None:
    for deployment in rendered(stack).of_type("kubernetes:apps/v1:Deployment"):
        pod = deployment["inputs"]["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}
            assert context["runAsUser"] > 0


def test_pods_spread_across_zones(rendered: Rendered) -> None:
    for deployment in rendered("prod").of_type("kubernetes:apps/v1:Deployment"):
        spread = deployment["inputs"]["spec"]["template"]["spec"]["topologySpreadConstraints"]
        zone = [c for c in spread if c["topologyKey"] == "topology.kubernetes.io/zone"]
        assert zone and zone[0]["maxSkew"] == 1 and zone[0]["whenUnsatisfiable"] == "DoNotSchedule"


def test_service_accounts_do_not_automount_tokens(rendered: Rendered) -> None:
    accounts = rendered("prod").of_type("kubernetes:core/v1:ServiceAccount")
    fleet_accounts = [
        a for a in accounts if a["inputs"]["metadata"]["namespace"].startswith("mcp-")
    ]
    assert fleet_accounts
    for account in fleet_accounts:
        if account["inputs"]["metadata"]["namespace"] == "mcp-ops":
            continue  # backup jobs: see tests/backups
        assert account["inputs"]["automountServiceAccountToken"] is False


@pytest.mark.parametrize("stack", STACKS)
def test_autoscaler_and_disruption_budget_follow_the_capacity_plan(
    rendered: Rendered, stack: str
) -> None:
    for planned in settings_of(stack).servers:
        objects = server_resources(rendered(stack), planned.name)
        hpa = objects["kubernetes:autoscaling/v2:HorizontalPodAutoscaler"]["inputs"]["spec"]
        assert (hpa["minReplicas"], hpa["maxReplicas"]) == (
            planned.capacity.min_replicas,
            planned.capacity.max_replicas,
        )
        assert hpa["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": planned.name,
        }
        pdb = objects["kubernetes:policy/v1:PodDisruptionBudget"]["inputs"]["spec"]
        assert pdb["maxUnavailable"] == "25%"
        assert pdb["selector"]["matchLabels"]["app.kubernetes.io/name"] == planned.name


def test_network_policy_admits_only_the_load_balancer_subnets(rendered: Rendered) -> None:
    result = rendered("prod")
    for planned in settings_of("prod").servers:
        policy = server_resources(result, planned.name)[
            "kubernetes:networking.k8s.io/v1:NetworkPolicy"
        ]
        spec = policy["inputs"]["spec"]
        assert spec["policyTypes"] == ["Ingress"]
        (rule,) = spec["ingress"]
        cidrs = [peer["ipBlock"]["cidr"] for peer in rule["from"]]
        assert len(cidrs) == 3 and all(c.endswith("/24") for c in cidrs)  # the 3 public subnets
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


@pytest.mark.parametrize("stack", STACKS)
def test_every_server_object_carries_the_standard_labels(rendered: Rendered, stack: str) -> None:
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
