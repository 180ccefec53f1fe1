"""OtelCollector under mocks: config, workload, Service, IRSA role and refusals."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest
import yaml

from components.otel_collector import (
    CONFIG_HASH_ANNOTATION,
    OtelCollector,
    OtelCollectorArgs,
    config_hash,
)
from policy.rules.workload_restricted import workload_restricted
from telemetry.collector_config import CollectorConfigArgs, render_yaml
from telemetry.otel_env import collector_endpoint
from tests.audit_infra.built import FLEET_TAGS
from tests.audit_infra.mocks import ACCOUNT, REGION, RecordingMocks, refused, render
from tests.policy.harness import resource_args, violations

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
DIGEST = "public.ecr.aws/aws-observability/aws-otel-collector@sha256:" + "ab" * 32
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.{REGION}.amazonaws.com/id/ABC123"
CONFIG = CollectorConfigArgs(
    environment="prod",
    cluster="fleet-prod",
    region=REGION,
    metrics_namespace="MCPFleet",
    metrics_log_group="/mcp-fleet-prod/otel/metrics",
)
ARGS = OtelCollectorArgs(
    name_prefix="mcp-fleet-prod",
    namespace="observability",
    image=DIGEST,
    config=CONFIG,
    oidc_provider_arn=PROVIDER,
    labels=FLEET_TAGS,
    tags=FLEET_TAGS,
)


def build(args: OtelCollectorArgs = ARGS) -> RecordingMocks:
    def program() -> None:
        OtelCollector("otel", args)

    return render(program)


@pytest.fixture
def rendered() -> RecordingMocks:
    return build()


def pod_spec(mocks: RecordingMocks) -> dict[str, Any]:
    return mocks.one("kubernetes:apps/v1:Deployment")["spec"]["template"]["spec"]


def test_the_config_map_holds_the_rendered_configuration(rendered: RecordingMocks) -> None:
    config_map = rendered.one("kubernetes:core/v1:ConfigMap")
    assert config_map["metadata"]["namespace"] == "observability"
    assert config_map["data"]["collector.yaml"] == render_yaml(CONFIG)
    template = rendered.one("kubernetes:apps/v1:Deployment")["spec"]["template"]
    assert template["metadata"]["annotations"] == {
        CONFIG_HASH_ANNOTATION: config_hash(render_yaml(CONFIG))
    }


def test_the_pods_are_restricted_pinned_and_read_their_config(rendered: RecordingMocks) -> None:
    deployment = rendered.one("kubernetes:apps/v1:Deployment")
    assert deployment["spec"]["replicas"] == 2
    spec = pod_spec(rendered)
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["serviceAccountName"] == "otel-collector"
    (container,) = spec["containers"]
    assert container["image"] == DIGEST
    assert container["args"] == ["--config=/conf/collector.yaml"]
    context = container["securityContext"]
    assert context["allowPrivilegeEscalation"] is False
    assert context["readOnlyRootFilesystem"] is True
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert container["env"] == [
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}
    ]
    assert container["resources"] == {
        "requests": {"cpu": "500m", "memory": "512Mi"},
        "limits": {"cpu": "1", "memory": "512Mi"},
    }
    assert container["readinessProbe"]["httpGet"] == {"path": "/", "port": 13133}
    (volume,) = spec["volumes"]
    assert volume["configMap"]["name"] == "otel-collector-config"


def test_the_namespace_enforces_restricted_and_admits_only_otlp(rendered: RecordingMocks) -> None:
    namespace = rendered.one("kubernetes:core/v1:Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    policies = {
        p["metadata"]["name"]: p["spec"]
        for p in rendered.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    }
    assert policies["default-deny-ingress"]["policyTypes"] == ["Ingress"]
    (rule,) = policies["otel-collector-otlp"]["ingress"]
    assert sorted(p["port"] for p in rule["ports"]) == [4317, 4318]


def test_the_service_exposes_the_otlp_ports_the_servers_are_told(
    rendered: RecordingMocks,
) -> None:
    service = rendered.one("kubernetes:core/v1:Service")
    assert service["metadata"]["name"] == "otel-collector"
    ports = {p["name"]: p["port"] for p in service["spec"]["ports"]}
    assert ports == {"otlp-grpc": 4317, "otlp-http": 4318}
    endpoint = collector_endpoint("otel-collector", "observability")
    assert endpoint.endswith(f"{service['metadata']['name']}.observability.svc.cluster.local:4317")
    budget = rendered.one("kubernetes:policy/v1:PodDisruptionBudget")
    assert budget["spec"]["minAvailable"] == 1


def test_the_irsa_role_trusts_only_the_collector_account_and_writes_xray_and_emf(
    rendered: RecordingMocks,
) -> None:
    role = rendered.one("aws:iam/role:Role")
    trust = json.loads(role["assumeRolePolicy"])["Statement"][0]
    issuer = f"oidc.eks.{REGION}.amazonaws.com/id/ABC123"
    assert trust["Condition"]["StringEquals"][f"{issuer}:sub"] == (
        "system:serviceaccount:observability:otel-collector"
    )
    policy = {
        s["Sid"]: s
        for s in json.loads(rendered.one("aws:iam/rolePolicy:RolePolicy")["policy"])["Statement"]
    }
    assert "xray:PutTraceSegments" in policy["SendTracesToXRay"]["Action"]
    group = rendered.outputs["otel-metrics"]["arn"]
    assert policy["WriteEmfMetrics"]["Resource"] == [group, f"{group}:*"]
    assert "logs:CreateLogGroup" not in policy["WriteEmfMetrics"]["Action"]
    account = rendered.one("kubernetes:core/v1:ServiceAccount")
    assert account["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": rendered.outputs["otel-role"]["arn"]
    }
    metrics = rendered.one("aws:cloudwatch/logGroup:LogGroup")
    assert (metrics["name"], metrics["retentionInDays"]) == ("/mcp-fleet-prod/otel/metrics", 30)


def test_a_changed_config_changes_the_pod_annotation() -> None:
    changed = build(replace(ARGS, config=replace(CONFIG, batch_size=64)))
    annotation = changed.one("kubernetes:apps/v1:Deployment")["spec"]["template"]["metadata"][
        "annotations"
    ][CONFIG_HASH_ANNOTATION]
    assert annotation != config_hash(render_yaml(CONFIG))
    data = changed.one("kubernetes:core/v1:ConfigMap")["data"]["collector.yaml"]
    assert yaml.safe_load(data)["processors"]["batch"]["send_batch_size"] == 64


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"image": "otel/opentelemetry-collector-contrib:0.135.0"}, "is not pinned"),
        ({"oidc_provider_arn": "arn:aws:iam::1:role/x"}, "is not an OIDC provider"),
        ({"replicas": 1}, "replicas 1"),
        ({"metrics_log_retention_days": 10}, "log_retention_days 10"),
        ({"config": replace(CONFIG, metrics_namespace="AWS/X")}, "metrics_namespace"),
    ],
)
def test_a_wrong_arg_is_refused_before_any_resource(change: dict[str, Any], message: str) -> None:
    args = replace(ARGS, **change)
    error, mocks = refused(lambda: OtelCollector("otel", args))
    assert re.search(f"^OtelCollector otel: .*{message}", error), error
    assert mocks.created == []


def test_the_pack_judges_the_collector_workload_restricted(rendered: RecordingMocks) -> None:
    """The policy pack's own rule, over the rendered Deployment (the pack's harness builds
    the validation args as the analyzer would)."""
    deployment = rendered.one("kubernetes:apps/v1:Deployment")
    deployment.pop("__name")
    assert violations(workload_restricted, resource_args(DEPLOYMENT, deployment)) == []


def test_the_pack_rule_notices_a_missing_cpu_limit(rendered: RecordingMocks) -> None:
    deployment = rendered.one("kubernetes:apps/v1:Deployment")
    deployment.pop("__name")
    del deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"]
    assert violations(workload_restricted, resource_args(DEPLOYMENT, deployment)) == [
        "container 'collector': no cpu limit"
    ]
