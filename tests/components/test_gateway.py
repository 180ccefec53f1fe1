"""The Gateway component from hand-made Args: what it declares, read back as the review reads it."""

from __future__ import annotations

import dataclasses
import hashlib
from functools import cache
from typing import Any

import pytest

from catalog.platform_image import load_platform_entry
from catalog.provenance import provenance_annotations
from components.gateway import Gateway
from components.gateway_args import GatewayArgs, RemoteCredential, Upstream, gateway_telemetry
from components.gateway_network import PRIVATE_RANGES
from tests.components.harness import Built, build, cluster, on_cluster

CONFIG = "global\n    log stdout format raw local0\n\nfrontend mcp\n    bind :8080\n"
LUA = {
    "mcp_inspect.lua": "-- inspector\n",
    "session_pin.lua": "-- pin\n",
    "gateway_replicas.lua": "-- count\n",
}
TELEMETRY = gateway_telemetry(
    "dev", "2.6.12", "http://otel-collector.observability.svc.cluster.local:4317", "grpc", 0.5
)
ENTRY = load_platform_entry("gateway")


def args(**changes: Any) -> GatewayArgs:
    made = GatewayArgs(
        namespace="mcp-gateway",
        labels={"app.kubernetes.io/part-of": "mcp-fleet"},
        image=ENTRY.image,
        run_as_user=99,
        config_text=CONFIG,
        lua_sources=LUA,
        min_replicas=2,
        max_replicas=4,
        batch_percent=25,
        drain_seconds=30,
        load_balancer_cidrs=["10.0.0.0/24", "10.0.1.0/24"],
        upstreams=(Upstream("mcp-storefront", (8080,)), Upstream("mcp-research", (8080, 9000))),
        deployment_annotations=provenance_annotations(ENTRY),
    )
    return dataclasses.replace(made, **changes)


def built(gateway_args: GatewayArgs) -> Built[Gateway]:
    return build(lambda: Gateway("gateway", gateway_args, on_cluster(cluster())))


def inputs(made: Built[Gateway], type_token: str) -> dict[str, Any]:
    (found,) = made.of_type(type_token)
    return dict(found["inputs"])


@pytest.fixture
def gateway() -> Built[Gateway]:
    return _once()


@cache
def _once() -> Built[Gateway]:
    return built(args())


def test_its_own_namespace_enforces_restricted_pods(gateway: Built[Gateway]) -> None:
    namespace = inputs(gateway, "kubernetes:core/v1:Namespace")
    assert namespace["metadata"]["name"] == "mcp-gateway"
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_the_rendered_config_and_its_lua_files_are_in_the_config_map(
    gateway: Built[Gateway],
) -> None:
    data = inputs(gateway, "kubernetes:core/v1:ConfigMap")["data"]
    assert data == {"haproxy.cfg": CONFIG, **LUA}
    deployment = inputs(gateway, "kubernetes:apps/v1:Deployment")
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert [item["key"] for item in volumes["lua"]["configMap"]["items"]] == sorted(LUA)


def test_pods_run_the_pinned_image_restricted_and_roll_on_config_change(
    gateway: Built[Gateway],
) -> None:
    deployment = inputs(gateway, "kubernetes:apps/v1:Deployment")
    assert deployment["metadata"]["annotations"] == provenance_annotations(ENTRY)
    spec = deployment["spec"]
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == ENTRY.image and "@sha256:" in container["image"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert container["lifecycle"]["preStop"]["sleep"]["seconds"] == 30
    assert spec["strategy"]["rollingUpdate"] == {"maxSurge": "25%", "maxUnavailable": "25%"}
    zones = [c for c in pod["topologySpreadConstraints"] if "zone" in c["topologyKey"]]
    assert zones[0]["whenUnsatisfiable"] == "DoNotSchedule"
    parts = [CONFIG, *(f"{name}\0{text}" for name, text in sorted(LUA.items()))]
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    assert spec["template"]["metadata"]["annotations"] == {
        "mcp-fleet.io/gateway-config-sha256": digest
    }
    mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
    assert {"/etc/haproxy/conf", "/etc/haproxy/lua", "/etc/haproxy/keys"} <= mounts


def test_replicas_find_each_other_through_a_headless_service(gateway: Built[Gateway]) -> None:
    """The SRV record _health._tcp.mcp-gateway-peers.mcp-gateway... the config counts by."""
    services = {
        found["inputs"]["metadata"]["name"]: found["inputs"]["spec"]
        for found in gateway.of_type("kubernetes:core/v1:Service")
    }
    peers = services["mcp-gateway-peers"]
    assert peers["clusterIP"] == "None" and peers["publishNotReadyAddresses"] is False
    assert peers["ports"] == [
        {"name": "health", "port": 8405, "protocol": "TCP", "targetPort": "health"}
    ]
    assert peers["selector"] == services["mcp-gateway"]["selector"]


def test_pods_get_the_standard_otel_environment_and_reach_the_collector() -> None:
    made = built(args(telemetry=TELEMETRY))
    pod = inputs(made, "kubernetes:apps/v1:Deployment")["spec"]["template"]["spec"]
    env = {item["name"]: item.get("value") for item in pod["containers"][0]["env"]}
    assert env["OTEL_SERVICE_NAME"] == "mcp-gateway"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == TELEMETRY.endpoint
    assert "deployment.environment.name=dev" in env["OTEL_RESOURCE_ATTRIBUTES"]
    assert "service.version=2.6.12" in env["OTEL_RESOURCE_ATTRIBUTES"]
    policy = next(
        p["inputs"]["spec"]
        for p in made.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if p["inputs"]["metadata"]["name"] == "mcp-gateway"
    )
    collector = {
        "to": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}}
        ],
        "ports": [{"port": 4317, "protocol": "TCP"}],
    }
    assert collector in policy["egress"]


def test_autoscaled_and_disruption_bounded(gateway: Built[Gateway]) -> None:
    hpa = inputs(gateway, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 4)
    pdb = inputs(gateway, "kubernetes:policy/v1:PodDisruptionBudget")["spec"]
    assert pdb["maxUnavailable"] == "25%"


def test_only_the_load_balancer_gets_in_and_only_servers_and_dns_get_out(
    gateway: Built[Gateway],
) -> None:
    policies = [
        p["inputs"]
        for p in gateway.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if p["inputs"]["metadata"]["name"] == "mcp-gateway"
    ]
    (spec,) = [policy["spec"] for policy in policies]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    ingress, peers_in = spec["ingress"]
    assert [peer["ipBlock"]["cidr"] for peer in ingress["from"]] == ["10.0.0.0/24", "10.0.1.0/24"]
    selector = {"app.kubernetes.io/name": "mcp-gateway", "app.kubernetes.io/component": "gateway"}
    peers = {"from": [{"podSelector": {"matchLabels": selector}}]}
    assert peers_in == {**peers, "ports": [{"port": 8405, "protocol": "TCP"}]}
    peers_out = {"to": peers["from"], "ports": [{"port": 8405, "protocol": "TCP"}]}
    assert peers_out in spec["egress"]
    to_namespaces = {
        rule["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]: [
            port["port"] for port in rule["ports"]
        ]
        for rule in spec["egress"]
        if rule != peers_out
    }
    assert to_namespaces == {
        "mcp-storefront": [8080],
        "mcp-research": [8080, 9000],
        "kube-system": [53, 53],
    }


def test_remote_credentials_come_from_secrets_and_open_https_out() -> None:
    remote = RemoteCredential("REMOTE_CRM_CREDENTIAL", "crm-token", "token")
    made = built(args(remote_credentials=(remote,)))
    container = inputs(made, "kubernetes:apps/v1:Deployment")["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert container["env"] == [
        {
            "name": "REMOTE_CRM_CREDENTIAL",
            "valueFrom": {"secretKeyRef": {"key": "token", "name": "crm-token"}},
        }
    ]
    policy = next(
        p["inputs"]["spec"]
        for p in made.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if p["inputs"]["metadata"]["name"] == "mcp-gateway"
    )
    https = policy["egress"][-1]
    assert https["ports"] == [{"port": 443, "protocol": "TCP"}]
    assert https["to"][0]["ipBlock"] == {"cidr": "0.0.0.0/0", "except": list(PRIVATE_RANGES)}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"image": "ghcr.io/acme-platform/mcp-gateway:2.6"}, "not pinned by digest"),
        ({"min_replicas": 1}, "at least 2"),
        ({"min_replicas": 5, "max_replicas": 4}, "min <= max"),
        ({"config_text": ""}, "not a rendered gateway configuration"),
        ({"upstreams": ()}, "route nowhere"),
        ({"lua_sources": {"mcp_inspect.lua": ""}}, "lacks session_pin.lua, gateway_replicas.lua"),
    ],
)
def test_bad_args_are_refused_before_any_resource(change: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        args(**change)
