"""Platform built in-process from a stack file's Settings: the composition, without a subprocess.

Platform is the one component that takes Settings; this builds it under fresh mocks in the
test's own process and checks what it composes: the cluster provider reaching every
Kubernetes object through opts, a namespace per tenant, each concern's component once, and
its outputs. The whole-stack renders (``rendered`` fixture) stay the end-to-end checks.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

from components.platform import Platform, PlatformArgs
from delivery import controller
from stacks import load_settings
from stacks.fleet_plan import Settings
from tests.components.harness import Built, build
from tests.stacks.stack_config import raw_config


@cache
def settings_of(stack: str) -> Settings:
    return load_settings(raw_config(stack), project="mcp-fleet", stack=stack)


@cache
def built(stack: str) -> Built[Platform]:
    settings = settings_of(stack)
    return build(
        lambda: Platform("mcp", PlatformArgs(settings=settings)),
        stack=stack,
        region=settings.region,
    )


def test_one_component_per_concern_and_one_server_component_per_server() -> None:
    result, settings = built("prod"), settings_of("prod")
    counts = Counter(r["type"] for r in result.resources if r["type"].startswith("mcp-fleet:"))
    assert counts["mcp-fleet:platform:Platform"] == 1
    assert counts["mcp-fleet:load_balancer:LoadBalancer"] == 1
    assert counts["mcp-fleet:observability:Observability"] == 1
    assert counts["mcp-fleet:backups:Backups"] == 1
    assert counts["mcp-fleet:fleet:McpServer"] == len(settings.servers)
    assert counts["mcp-fleet:observability:SloAlarms"] == len(settings.servers)
    assert set(result.component.servers) == {s.name for s in settings.servers}


def test_every_kubernetes_object_is_on_the_stack_cluster_provider() -> None:
    result = built("prod")
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    objects = [r for r in result.resources if r["type"].startswith("kubernetes:")]
    assert len(objects) > 20
    for obj in objects:
        assert obj["provider"].startswith(f"{provider['urn']}::"), obj["name"]
    (platform,) = result.of_type("mcp-fleet:platform:Platform")
    assert provider["parent"] == platform["urn"]


def test_a_namespace_per_tenant_and_the_platforms_outputs() -> None:
    result, settings = built("prod"), settings_of("prod")
    namespaces = {
        n["inputs"]["metadata"]["name"] for n in result.of_type("kubernetes:core/v1:Namespace")
    }
    assert {f"mcp-{tenant}" for tenant in settings.tenants} | {
        settings.backups.namespace,
        "mcp-gateway",
        settings.telemetry.namespace,
        "mcp-audit",  # the audit sealer's own (components/platform_audit.py)
        controller.NAMESPACE,  # the Argo Rollouts controller's (components/rollout_controller.py)
    } == namespaces
    (platform,) = result.of_type("mcp-fleet:platform:Platform")
    outputs = platform["outputs"]
    assert outputs["environment"] == "prod"
    assert set(outputs["servers"]) == {s.name for s in settings.servers}
    assert outputs["page_topic_arn"].endswith(":mcp-fleet-prod-page")
    assert outputs["dashboards"] == ["mcp-fleet-prod-fleet"]


def test_the_gateway_routes_every_server_with_its_catalog_tools_and_reaches_each_tenant() -> None:
    result, settings = built("prod"), settings_of("prod")
    (config,) = [
        c
        for c in result.of_type("kubernetes:core/v1:ConfigMap")
        if "haproxy.cfg" in c["inputs"]["data"]
    ]
    text = config["inputs"]["data"]["haproxy.cfg"]
    for server in settings.servers:
        assert f"backend mcp_{server.name}\n" in text
        for tool in server.entry.approved_tools:
            assert tool in text
    (deployment,) = [
        d
        for d in result.of_type("kubernetes:apps/v1:Deployment")
        if d["inputs"]["metadata"]["name"] == "mcp-gateway"
    ]
    assert "mcp-fleet.io/catalog-entry" in deployment["inputs"]["metadata"]["annotations"]
    (policy,) = [
        p["inputs"]["spec"]
        for p in result.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if p["inputs"]["metadata"]["name"] == "mcp-gateway"
    ]
    reached = {
        rule["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for rule in policy["egress"]
        if "namespaceSelector" in rule["to"][0]  # not the rule to its own peers
    }
    others = {"kube-system", settings.telemetry.namespace}  # DNS, the OTLP collector
    assert {server.namespace for server in settings.servers} | others == reached
