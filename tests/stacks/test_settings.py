"""Every settings class with good and bad input; every bad input's message is checked."""

from __future__ import annotations

from typing import Any

import pytest

from stacks import SettingsError, load_settings
from stacks.environment import Environment
from tests.stacks.stack_config import raw_config, structured, with_value


def load(config: dict[str, str], stack: str = "prod") -> Any:
    return load_settings(config, project="mcp-fleet", stack=stack)


def error_for(config: dict[str, str], stack: str = "prod") -> str:
    with pytest.raises(SettingsError) as raised:
        load(config, stack)
    return str(raised.value)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_example_stack_loads(stack: str) -> None:
    settings = load(raw_config(stack), stack)
    assert settings.environment == Environment(stack)
    assert settings.stack_file == f"Pulumi.{stack}.yaml"
    assert settings.region == "eu-west-1"
    # staging also routes the example remote server (catalog/servers/partner-crm.yaml)
    assert len(settings.servers) == (7 if stack == "staging" else 6)
    assert [s.name for s in settings.servers if s.entry.remote is not None] == (
        ["partner-crm"] if stack == "staging" else []
    )
    assert {s.tenant for s in settings.servers} == {"storefront", "research"}


def test_prod_settings_carry_what_the_stack_file_says() -> None:
    settings = load(raw_config("prod"))
    assert settings.cluster.name == "platform-prod"
    assert len(settings.network.private_subnet_ids) == 3
    assert settings.load_balancer.deletion_protection is True
    assert settings.observability.page.emails == ("sre-oncall@acme.example",)
    assert settings.backups.object_lock is True
    assert settings.backups.replica_region == "eu-central-1"
    assert [d.kind for d in settings.backups.dependencies] == ["redis", "postgres", "config"]
    github = next(s for s in settings.servers if s.name == "github-research")
    assert github.entry.name == "github"
    assert github.namespace == "mcp-research"
    assert github.hostname == "github-research.mcp.acme.example"


def test_defaults_fill_what_a_stack_leaves_out() -> None:
    settings = load(raw_config("staging"), "staging")
    assert settings.fleet.drain_seconds == 30
    assert settings.fleet.rollout_batch_percent == 25
    assert settings.slo.tool_success_rate == 99.0
    assert settings.slo.p95_latency_ms == 400
    assert settings.backups.rpo_minutes == 60
    assert settings.backups.rto_minutes == 30


def test_server_slo_is_the_catalog_declaration_over_the_stack_default() -> None:
    settings = load(raw_config("prod"))
    slos = {s.name: (s.slo.tool_success_rate, s.slo.p95_latency_ms) for s in settings.servers}
    assert slos["postgres-query"] == (99.9, 350)  # declared in its catalog entry
    assert slos["jira"] == (99.0, 400)  # declares none: the stack default


def test_per_stack_overrides_reach_the_capacity_plan() -> None:
    settings = load(raw_config("prod"))
    by_name = {s.name: s for s in settings.servers}
    assert by_name["postgres-query"].capacity.min_replicas == 3
    assert by_name["docs-search"].capacity.max_replicas == 12
    assert by_name["github"].peak_rps == 400


# --- bad input: one message naming the file, the key, what was wrong, what would be right ---


def test_missing_environment() -> None:
    message = error_for(with_value("prod", "mcp-fleet:environment", None))
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:environment: Field required")
    assert "one of dev, staging, prod" in message


def test_unknown_environment() -> None:
    message = error_for(with_value("prod", "mcp-fleet:environment", "production"))
    assert "mcp-fleet:environment" in message and "'production'" in message
    assert "one of dev, staging, prod" in message


def test_environment_must_match_the_stack() -> None:
    message = error_for(with_value("prod", "mcp-fleet:environment", "dev"))
    assert message == (
        "Pulumi.prod.yaml: mcp-fleet:environment: the prod stack says it is 'dev'; set it to 'prod'"
    )


def test_missing_region() -> None:
    message = error_for(with_value("prod", "aws:region", None))
    assert message == "Pulumi.prod.yaml: aws:region: missing; set the AWS region, like eu-west-1"


def test_a_misspelt_setting_is_named_with_a_suggestion() -> None:
    config = raw_config("prod")
    config["mcp-fleet:sevrers"] = config.pop("mcp-fleet:servers")
    message = error_for(config)
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:sevrers: this program reads no such")
    assert "did you mean mcp-fleet:servers?" in message


def test_cluster_settings_bad_oidc_arn() -> None:
    cluster = structured("prod", "mcp-fleet:cluster")
    cluster["oidcProviderArn"] = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
    message = error_for(with_value("prod", "mcp-fleet:cluster", cluster))
    assert "Pulumi.prod.yaml: mcp-fleet:cluster.oidcProviderArn:" in message
    assert "arn:aws:iam::ACCOUNT:oidc-provider/" in message


def test_cluster_settings_missing_name() -> None:
    cluster = structured("prod", "mcp-fleet:cluster")
    del cluster["name"]
    message = error_for(with_value("prod", "mcp-fleet:cluster", cluster))
    assert "mcp-fleet:cluster.name: Field required" in message
    assert "the existing EKS cluster's name" in message


def test_network_settings_bad_vpc_and_single_subnet() -> None:
    network = structured("prod", "mcp-fleet:network")
    network["vpcId"] = "vpc-1"
    network["privateSubnetIds"] = ["subnet-0d44dd44dd44dd444"]
    message = error_for(with_value("prod", "mcp-fleet:network", network))
    assert "mcp-fleet:network.vpcId:" in message and "(got 'vpc-1')" in message
    assert "like vpc-0abc1234" in message
    assert "mcp-fleet:network.privateSubnetIds:" in message
    assert "at least two private subnet ids" in message


def test_network_settings_subnet_that_is_not_a_subnet() -> None:
    network = structured("prod", "mcp-fleet:network")
    network["publicSubnetIds"] = ["subnet-0a11aa11aa11aa111", "sg-0123456789abcdef0"]
    message = error_for(with_value("prod", "mcp-fleet:network", network))
    assert "'sg-0123456789abcdef0' is not a subnet id" in message


def test_network_settings_certificate_must_be_an_acm_arn() -> None:
    network = structured("prod", "mcp-fleet:network")
    network["certificateArn"] = "arn:aws:iam::111122223333:server-certificate/x"
    message = error_for(with_value("prod", "mcp-fleet:network", network))
    assert "mcp-fleet:network.certificateArn:" in message
    assert "an ACM certificate ARN" in message


def test_fleet_settings_rollout_batch_too_large() -> None:
    message = error_for(with_value("prod", "mcp-fleet:fleet", {"rolloutBatchPercent": 80}))
    assert (
        "mcp-fleet:fleet.rolloutBatchPercent: Input should be less than or equal to 50" in message
    )
    assert "(got 80)" in message and "percent of replicas replaced at once (1-50)" in message


def test_fleet_settings_unknown_key() -> None:
    message = error_for(with_value("prod", "mcp-fleet:fleet", {"drainSecs": 30}))
    assert "mcp-fleet:fleet.drainSecs: Extra inputs are not permitted" in message
    assert "the keys allowed here are:" in message and "drainSeconds" in message


def test_slo_settings_success_rate_of_100_is_refused() -> None:
    message = error_for(with_value("prod", "mcp-fleet:slo", {"toolSuccessRate": 100}))
    assert "mcp-fleet:slo.toolSuccessRate: Input should be less than 100" in message
    assert "a percentage below 100, like 99.0" in message


def test_slo_settings_latency_must_be_positive() -> None:
    message = error_for(with_value("prod", "mcp-fleet:slo", {"p95LatencyMs": 0}))
    assert "mcp-fleet:slo.p95LatencyMs: Input should be greater than 0" in message
    assert "milliseconds, like 400" in message


def test_server_settings_negative_peak_rps() -> None:
    servers = structured("prod", "mcp-fleet:servers")
    servers[2]["peakRps"] = -5
    message = error_for(with_value("prod", "mcp-fleet:servers", servers))
    assert message == (
        "Pulumi.prod.yaml: mcp-fleet:servers[2].peakRps: Input should be greater than 0 "
        "(got -5); expected peak requests per second, a number above 0"
    )


def test_server_settings_server_not_in_catalog() -> None:
    servers = structured("prod", "mcp-fleet:servers")
    servers[0]["catalog"] = "gitlab"
    message = error_for(with_value("prod", "mcp-fleet:servers", servers))
    assert message.startswith(
        "Pulumi.prod.yaml: mcp-fleet:servers[0].catalog: 'gitlab' is not in the approved catalog"
    )
    assert "use one of: docs-search, github, jira" in message


def test_server_settings_tenant_not_approved() -> None:
    servers = structured("prod", "mcp-fleet:servers")
    servers[2]["tenant"] = "research"  # jira is approved for storefront only
    message = error_for(with_value("prod", "mcp-fleet:servers", servers))
    assert "mcp-fleet:servers[2].tenant: 'jira' is not approved for tenant 'research'" in message
    assert "use one of: storefront" in message


def test_server_settings_replica_bounds_out_of_order() -> None:
    servers = structured("prod", "mcp-fleet:servers")
    servers[0].update(minReplicas=6, maxReplicas=3)
    message = error_for(with_value("prod", "mcp-fleet:servers", servers))
    assert "mcp-fleet:servers[0]: minReplicas (6) is above maxReplicas (3)" in message


def test_server_settings_duplicate_names() -> None:
    servers = structured("prod", "mcp-fleet:servers")
    servers[1]["name"] = "github"
    message = error_for(with_value("prod", "mcp-fleet:servers", servers))
    assert "two servers are named 'github'; give one a distinct name" in message


def test_server_settings_empty_list() -> None:
    message = error_for(with_value("prod", "mcp-fleet:servers", []))
    assert "mcp-fleet:servers:" in message and "the catalog servers this stack runs" in message


def test_load_balancer_settings_weak_tls_policy() -> None:
    settings = {"sslPolicy": "ELBSecurityPolicy-2016-08"}
    message = error_for(with_value("prod", "mcp-fleet:loadBalancer", settings))
    assert "mcp-fleet:loadBalancer.sslPolicy:" in message
    assert "an ELB TLS 1.3 security policy name" in message


def test_load_balancer_settings_deletion_protection_must_be_boolean() -> None:
    message = error_for(
        with_value("prod", "mcp-fleet:loadBalancer", {"deletionProtection": "maybe"})
    )
    assert "mcp-fleet:loadBalancer.deletionProtection:" in message and "'maybe'" in message


def test_observability_settings_paging_must_be_a_list() -> None:
    message = error_for(with_value("prod", "mcp-fleet:observability", {"page": {"emails": 5}}))
    assert "mcp-fleet:observability.page.emails:" in message


def test_backup_settings_missing_ops_image() -> None:
    backups = structured("prod", "mcp-fleet:backups")
    del backups["opsImage"]
    message = error_for(with_value("prod", "mcp-fleet:backups", backups))
    assert "mcp-fleet:backups.opsImage: Field required" in message
    assert "pinned by digest" in message


def test_backup_settings_ops_image_by_tag_is_refused() -> None:
    backups = structured("prod", "mcp-fleet:backups")
    backups["opsImage"] = "ghcr.io/acme-platform/mcp-fleet-ops:latest"
    message = error_for(with_value("prod", "mcp-fleet:backups", backups))
    assert "mcp-fleet:backups.opsImage:" in message and "(REPO@sha256:...)" in message


def test_backup_dependency_without_a_secret_is_refused() -> None:
    backups = structured("prod", "mcp-fleet:backups")
    backups["dependencies"] = [{"name": "audit-db", "kind": "postgres"}]
    message = error_for(with_value("prod", "mcp-fleet:backups", backups))
    assert "mcp-fleet:backups.dependencies[0]:" in message
    assert "needs secretName" in message and "never a plain config value" in message


def test_backup_dependency_of_unknown_kind() -> None:
    backups = structured("prod", "mcp-fleet:backups")
    backups["dependencies"] = [{"name": "cache", "kind": "memcached", "secretName": "x"}]
    message = error_for(with_value("prod", "mcp-fleet:backups", backups))
    assert "mcp-fleet:backups.dependencies[0].kind:" in message
    assert "one of postgres, redis, config" in message


def test_backup_settings_bad_replica_region() -> None:
    backups = structured("prod", "mcp-fleet:backups")
    backups["replicaRegion"] = "Frankfurt"
    message = error_for(with_value("prod", "mcp-fleet:backups", backups))
    assert "mcp-fleet:backups.replicaRegion:" in message
    assert "a second AWS region" in message


def test_structured_value_that_is_not_json_is_named() -> None:
    message = error_for(with_value("prod", "mcp-fleet:cluster", "platform-prod"))
    assert "Pulumi.prod.yaml: mcp-fleet:cluster:" in message


def test_fleet_watch_window_defaults_to_the_guides_60_seconds() -> None:
    assert load(raw_config("staging"), "staging").fleet.watch_seconds == 60


def test_fleet_watch_window_may_be_longer_in_whole_minutes() -> None:
    settings = load(with_value("prod", "mcp-fleet:fleet", {"watchSeconds": 180}))
    assert settings.fleet.watch_seconds == 180


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (90, "Input should be a multiple of 60"),
        (0, "Input should be greater than or equal to 60"),
        (7200, "Input should be less than or equal to 3600"),
    ],
)
def test_fleet_watch_window_that_is_not_whole_minutes_is_refused(value: int, problem: str) -> None:
    message = error_for(with_value("prod", "mcp-fleet:fleet", {"watchSeconds": value}))
    assert f"mcp-fleet:fleet.watchSeconds: {problem}" in message
    assert f"(got {value})" in message and "whole minutes from 60 to 3600" in message
