"""Issue 13 through the whole program: the stack's audit and telemetry settings reach every
rendered CloudTrail, log group, bucket and collector setting, and every server's OTEL_* env.

The component tests (tests/audit_infra, tests/telemetry) check each component against its
Args; these check that ``Platform`` hands it the stack's values (prod and dev differ in the
lock's length and in protection), reading what the render recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from catalog.platform_image import load_platform_entry
from catalog.provenance import provenance_annotations
from review.render import RenderedStack
from stacks import load_settings
from stacks.fleet_plan import Settings
from telemetry.otel_env import otel_environment
from tests.stacks.stack_config import raw_config

Rendered = Callable[[str], RenderedStack]
LOCK_YEARS = {"dev": 7, "prod": 10}


def settings_of(stack: str) -> Settings:
    return load_settings(raw_config(stack), project="mcp-fleet", stack=stack)


def inputs(result: RenderedStack, name: str) -> dict[str, Any]:
    return result.named(name)["inputs"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_archive_is_locked_in_compliance_for_the_environments_years(
    rendered: Rendered, stack: str
) -> None:
    result = rendered(stack)
    bucket = inputs(result, "mcp-audit-archive")
    assert bucket["objectLockEnabled"] is True
    assert bucket["forceDestroy"] is False
    assert bucket["bucketPrefix"] == f"mcp-fleet-{stack}-audit-"
    lock = inputs(result, "mcp-audit-archive-object-lock")
    assert lock["rule"]["defaultRetention"] == {"mode": "COMPLIANCE", "years": LOCK_YEARS[stack]}
    rules = inputs(result, "mcp-audit-archive-lifecycle")["rules"]
    assert not any("expiration" in rule or "noncurrentVersionExpiration" in rule for rule in rules)
    protected = stack == "prod"
    for name in ("mcp-audit-archive", "mcp-audit-key", "mcp-audit-logs"):
        options = result.named(name)["options"]
        assert (options["protect"], options["retainOnDelete"]) == (protected, protected), name


def test_the_archive_policy_denies_deletes_to_everyone_without_a_break_glass_role(
    rendered: Rendered,
) -> None:
    policy = json.loads(inputs(rendered("prod"), "mcp-audit-archive-policy")["policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    denied = statements["DenyDeletesAndLockChanges"]
    assert denied["Effect"] == "Deny" and denied["Principal"] == "*"
    assert {"s3:DeleteObject", "s3:DeleteObjectVersion"} <= set(denied["Action"])
    assert "Condition" not in denied, "no break-glass role in the example stacks: no exception"


def test_the_trail_validates_log_files_encrypts_and_writes_into_the_archive(
    rendered: Rendered,
) -> None:
    result = rendered("prod")
    trail = inputs(result, "mcp-audit-cloudtrail")
    key_arn = result.named("mcp-audit-key")["outputs"]["arn"]
    assert trail["name"] == "mcp-fleet-prod-audit"
    assert trail["isMultiRegionTrail"] is True
    assert trail["includeGlobalServiceEvents"] is True
    assert trail["enableLogFileValidation"] is True
    assert trail["enableLogging"] is True
    assert trail["kmsKeyId"] == key_arn
    assert trail["s3BucketName"] == result.named("mcp-audit-archive")["outputs"]["id"]
    assert trail["s3KeyPrefix"] == "cloudtrail"


def test_the_audit_log_group_has_the_settings_retention_and_the_audit_key(
    rendered: Rendered,
) -> None:
    result = rendered("prod")
    group = inputs(result, "mcp-audit-logs")
    assert group["name"] == "/mcp-fleet-prod/audit"
    assert group["retentionInDays"] == settings_of("prod").audit.log_retention_days == 365
    assert group["kmsKeyId"] == result.named("mcp-audit-key")["outputs"]["arn"]
    queries = result.of_type("aws:cloudwatch/queryDefinition:QueryDefinition")
    audit_queries = [q for q in queries if q["name"].startswith("mcp-audit-query-")]
    assert len(audit_queries) == 3
    assert all(q["inputs"]["logGroupNames"] == ["/mcp-fleet-prod/audit"] for q in audit_queries)


def test_the_collector_runs_the_signed_platform_image_with_the_stacks_config(
    rendered: Rendered,
) -> None:
    result, settings = rendered("prod"), settings_of("prod")
    entry = load_platform_entry("otel-collector")
    deployment = inputs(result, "mcp-otel-collector-deployment")
    assert deployment["metadata"]["namespace"] == settings.telemetry.namespace
    assert deployment["metadata"]["annotations"] == provenance_annotations(entry)
    assert deployment["spec"]["replicas"] == settings.telemetry.replicas
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == entry.image
    config = yaml.safe_load(inputs(result, "mcp-otel-collector-config")["data"]["collector.yaml"])
    assert config["exporters"]["awsxray"]["region"] == settings.region
    emf = config["exporters"]["awsemf"]
    assert (emf["region"], emf["namespace"]) == (settings.region, "MCPFleet")
    assert emf["log_group_name"] == "/mcp-fleet-prod/otel/metrics"
    assert emf["log_stream_name"] == settings.cluster.name
    stamped = {a["key"]: a["value"] for a in config["processors"]["resource"]["attributes"]}
    assert stamped["deployment.environment.name"] == "prod"
    assert stamped["k8s.cluster.name"] == settings.cluster.name
    metrics = inputs(result, "mcp-otel-collector-metrics")
    assert metrics["name"] == "/mcp-fleet-prod/otel/metrics"
    assert metrics["retentionInDays"] == settings.telemetry.metrics_log_retention_days
    role = inputs(result, "mcp-otel-collector-role")
    assert role["name"] == "mcp-fleet-prod-otel-collector"
    assert settings.cluster.oidc_provider_arn in role["assumeRolePolicy"]


def test_every_server_container_carries_the_standard_otel_environment(
    rendered: Rendered,
) -> None:
    from components.platform_audit import server_telemetry

    result, settings = rendered("prod"), settings_of("prod")
    deployments = {
        d["inputs"]["metadata"]["name"]: d
        for d in result.of_type("kubernetes:apps/v1:Deployment")
        if d["inputs"]["metadata"]["namespace"].startswith("mcp-")
    }
    for server in settings.servers:
        (container,) = deployments[server.name]["inputs"]["spec"]["template"]["spec"]["containers"]
        env = {v["name"]: v["value"] for v in container["env"] if v["name"].startswith("OTEL_")}
        assert env == otel_environment(server_telemetry(settings, server)), server.name
        assert env["OTEL_SERVICE_NAME"] == server.name
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == (
            "http://otel-collector.observability.svc.cluster.local:4317"
        )
        assert f"tenant={server.tenant}" in env["OTEL_RESOURCE_ATTRIBUTES"]
        assert f"service.version={server.entry.version}" in env["OTEL_RESOURCE_ATTRIBUTES"]


def test_each_tenant_namespace_admits_egress_to_the_collectors_otlp_ports_only(
    rendered: Rendered,
) -> None:
    result, settings = rendered("prod"), settings_of("prod")
    policies = {
        (p["inputs"]["metadata"]["namespace"], p["inputs"]["metadata"]["name"]): p["inputs"]["spec"]
        for p in result.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    }
    for tenant in settings.tenants:
        namespace = f"mcp-{tenant}"
        assert policies[(namespace, "default-deny-egress")]["policyTypes"] == ["Egress"]
        spec = policies[(namespace, "allow-dependencies-egress")]
        assert spec["egress"] == [
            {
                "to": [
                    {
                        "namespaceSelector": {
                            "matchLabels": {
                                "kubernetes.io/metadata.name": settings.telemetry.namespace
                            }
                        }
                    }
                ],
                "ports": [
                    {"port": 4317, "protocol": "TCP"},
                    {"port": 4318, "protocol": "TCP"},
                ],
            }
        ], namespace
    # and the collector's namespace admits OTLP on those ports
    admit = policies[(settings.telemetry.namespace, "otel-collector-otlp")]
    assert [p["port"] for p in admit["ingress"][0]["ports"]] == [4317, 4318]
