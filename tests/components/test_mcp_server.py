"""McpServer built in-process from hand-made Args: its six objects and what each must say."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from components.fleet import McpServer, McpServerArgs, Rollout, termination_grace_seconds
from components.labels import REQUIRED_KEYS, selector_labels
from components.tenant_network import GatewayPeer
from stacks.fleet_plan import PlannedServer
from tests.components.factories import planned_server, server_labels
from tests.components.harness import Built, build, cluster, on_cluster, provider_urn

WORKLOAD_TYPES = {
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:core/v1:Service",
    "kubernetes:policy/v1:PodDisruptionBudget",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
}
GATEWAY = GatewayPeer(
    "mcp-gateway", {"app.kubernetes.io/name": "mcp-gateway", "app.kubernetes.io/component": "gw"}
)
ORDERS_DB = {"name": "orders-db", "ports": [5432], "cidrs": ["10.20.0.0/24", "10.21.0.0/24"]}
INDEX = {"name": "index", "ports": [9200, 9300], "namespace": "search-index"}
ROLLOUT = Rollout(batch_percent=25, drain_seconds=30, target_cpu_utilization=70)
SERVERS = {
    "search": planned_server("search", min_replicas=2, max_replicas=6),
    "tickets": planned_server(
        "tickets", tenant="research", port=9090, tier="tier-3", min_replicas=1, max_replicas=3,
        success_rate=99.0, p95_latency_ms=400, egress=[ORDERS_DB, INDEX],
    ),
}  # fmt: skip
ANNOTATIONS = {"mcp-fleet.io/catalog-entry": '{"name":"search"}'}


def server_args(server: PlannedServer, rollout: Rollout = ROLLOUT) -> McpServerArgs:
    return McpServerArgs(
        server=server,
        environment="prod",
        namespace=server.namespace,
        gateway=GATEWAY,
        labels=server_labels(server),
        rollout=rollout,
        deployment_annotations=ANNOTATIONS,
    )


@cache
def built(name: str) -> Built[McpServer]:
    server = SERVERS[name]
    return build(lambda: McpServer(f"mcp-{name}", server_args(server), opts=on_cluster(cluster())))


def objects(name: str) -> dict[str, dict[str, Any]]:
    return {r["type"]: r for r in built(name).resources if r["type"] in WORKLOAD_TYPES}


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_a_server_gets_its_six_objects_named_after_it_in_its_namespace(name: str) -> None:
    found = objects(name)
    assert set(found) == WORKLOAD_TYPES
    (component,) = built(name).of_type("mcp-fleet:fleet:McpServer")
    provider = provider_urn(built(name))
    for obj in found.values():
        metadata = obj["inputs"]["metadata"]
        assert metadata["name"] == name
        assert metadata["namespace"] == SERVERS[name].namespace
        assert obj["parent"] == component["urn"]
        assert obj["provider"].startswith(f"{provider}::"), "the cluster passed in opts"


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_deployment_follows_the_guide(name: str) -> None:
    planned = SERVERS[name]
    deployment = objects(name)["kubernetes:apps/v1:Deployment"]
    spec = deployment["inputs"]["spec"]
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == planned.entry.image
    assert "@sha256:" in container["image"]
    assert container["readinessProbe"]["httpGet"]["path"] == planned.entry.health.readiness
    assert container["livenessProbe"]["httpGet"]["path"] == planned.entry.health.liveness
    assert container["startupProbe"]["httpGet"]["path"] == planned.entry.health.startup_path
    assert container["resources"] == {
        "requests": {
            "cpu": planned.capacity.cpu_request,
            "memory": planned.capacity.memory_request,
        },
        "limits": {"cpu": planned.capacity.cpu_limit, "memory": planned.capacity.memory_limit},
    }
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["MCP_SERVER"] == name and env["MCP_TENANT"] == planned.tenant
    assert env["MCP_ENVIRONMENT"] == "prod"
    # drain: a preStop pause, and a grace period longer than it
    assert container["lifecycle"]["preStop"]["sleep"]["seconds"] == 30
    assert pod["terminationGracePeriodSeconds"] == termination_grace_seconds(30) > 30
    assert spec["replicas"] == planned.capacity.min_replicas
    assert "spec.replicas" in deployment["options"]["ignoreChanges"]
    assert deployment["inputs"]["metadata"]["annotations"] == ANNOTATIONS


def test_rollout_settings_reach_strategy_drain_budget_and_autoscaler() -> None:
    server = SERVERS["search"]
    rollout = Rollout(batch_percent=10, drain_seconds=45, target_cpu_utilization=60)
    result = build(
        lambda: McpServer("mcp-search", server_args(server, rollout), opts=on_cluster(cluster()))
    )
    found = {r["type"]: r["inputs"]["spec"] for r in result.resources if "spec" in r["inputs"]}
    deployment = found["kubernetes:apps/v1:Deployment"]
    assert deployment["strategy"]["rollingUpdate"] == {"maxUnavailable": "10%", "maxSurge": "10%"}
    (container,) = deployment["template"]["spec"]["containers"]
    assert container["lifecycle"]["preStop"]["sleep"]["seconds"] == 45
    assert found["kubernetes:policy/v1:PodDisruptionBudget"]["maxUnavailable"] == "10%"
    hpa = found["kubernetes:autoscaling/v2:HorizontalPodAutoscaler"]
    (cpu,) = hpa["metrics"]
    assert cpu["resource"]["target"]["averageUtilization"] == 60
    assert hpa["behavior"]["scaleDown"]["policies"][0]["value"] == 10


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_pods_meet_the_restricted_pod_security_standard(name: str) -> None:
    deployment = objects(name)["kubernetes:apps/v1:Deployment"]
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


def test_pods_spread_across_zones() -> None:
    deployment = objects("search")["kubernetes:apps/v1:Deployment"]
    spread = deployment["inputs"]["spec"]["template"]["spec"]["topologySpreadConstraints"]
    zone = [c for c in spread if c["topologyKey"] == "topology.kubernetes.io/zone"]
    assert zone and zone[0]["maxSkew"] == 1 and zone[0]["whenUnsatisfiable"] == "DoNotSchedule"


def test_service_account_does_not_automount_tokens() -> None:
    account = objects("search")["kubernetes:core/v1:ServiceAccount"]
    assert account["inputs"]["automountServiceAccountToken"] is False


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_autoscaler_and_disruption_budget_follow_the_capacity_plan(name: str) -> None:
    planned, found = SERVERS[name], objects(name)
    hpa = found["kubernetes:autoscaling/v2:HorizontalPodAutoscaler"]["inputs"]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (
        planned.capacity.min_replicas,
        planned.capacity.max_replicas,
    )
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    pdb = found["kubernetes:policy/v1:PodDisruptionBudget"]["inputs"]["spec"]
    assert pdb["maxUnavailable"] == "25%"
    assert pdb["selector"]["matchLabels"]["app.kubernetes.io/name"] == name


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_network_policy_admits_only_the_gateways_pods_on_the_server_port(name: str) -> None:
    """One peer, namespace AND pod labels: no other pod, namespace or address gets in."""
    spec = objects(name)["kubernetes:networking.k8s.io/v1:NetworkPolicy"]["inputs"]["spec"]
    assert spec["podSelector"] == {"matchLabels": selector_labels(SERVERS[name])}
    (rule,) = spec["ingress"]
    assert rule["from"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "mcp-gateway"}},
            "podSelector": {"matchLabels": dict(GATEWAY.pod_labels)},
        }
    ]
    assert rule["ports"] == [{"port": SERVERS[name].entry.port, "protocol": "TCP"}]


def test_a_server_without_declared_egress_adds_no_egress_rule() -> None:
    """Its pods keep the namespace's egress: DNS and the collector, nothing of their own."""
    spec = objects("search")["kubernetes:networking.k8s.io/v1:NetworkPolicy"]["inputs"]["spec"]
    assert spec["policyTypes"] == ["Ingress"]
    assert "egress" not in spec


def test_declared_egress_admits_exactly_the_catalogs_cidrs_and_namespace() -> None:
    spec = objects("tickets")["kubernetes:networking.k8s.io/v1:NetworkPolicy"]["inputs"]["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert spec["egress"] == [
        {
            "to": [{"ipBlock": {"cidr": "10.20.0.0/24"}}, {"ipBlock": {"cidr": "10.21.0.0/24"}}],
            "ports": [{"port": 5432, "protocol": "TCP"}],
        },
        {
            "to": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "search-index"}
                    }
                }
            ],
            "ports": [{"port": 9200, "protocol": "TCP"}, {"port": 9300, "protocol": "TCP"}],
        },
    ]


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_every_object_carries_the_labels_it_was_given(name: str) -> None:
    planned = SERVERS[name]
    for obj in objects(name).values():
        labels = obj["inputs"]["metadata"]["labels"]
        assert labels == server_labels(planned), obj["urn"]
        assert set(REQUIRED_KEYS) <= set(labels)


def test_labels_without_the_pod_selector_are_refused_before_anything_exists() -> None:
    server = SERVERS["search"]
    labels = {**server_labels(server), "app.kubernetes.io/name": "other"}
    with pytest.raises(ValueError, match="must include the pod selector"):
        McpServerArgs(
            server=server,
            environment="prod",
            namespace="mcp-storefront",
            gateway=GATEWAY,
            labels=labels,
            rollout=ROLLOUT,
        )


@pytest.mark.parametrize(
    ("batch", "drain", "cpu", "message"),
    [(60, 30, 70, "batch_percent 60"), (25, -1, 70, "drain_seconds -1"), (25, 30, 0, "0")],
)
def test_a_rollout_outside_its_bounds_is_refused(
    batch: int, drain: int, cpu: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Rollout(batch_percent=batch, drain_seconds=drain, target_cpu_utilization=cpu)
