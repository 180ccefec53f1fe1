"""Settings to the audit trail's, the collector's and each server's telemetry Args."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest

from catalog.platform_image import load_platform_entry
from catalog.provenance import provenance_annotations
from components.environment_policy import AUDIT_RETENTION_YEARS, environment_policy
from components.platform_audit import (
    audit_retention_years,
    audit_trail_args,
    collector_args,
    collector_egress,
    server_telemetry,
)
from stacks import load_settings
from stacks.audit_settings import AuditSettings, TelemetrySettings
from stacks.environment import Environment
from stacks.fleet_plan import Settings
from telemetry.otel_env import otel_environment
from tests.stacks.stack_config import raw_config


@cache
def settings_of(stack: str) -> Settings:
    return load_settings(raw_config(stack), project="mcp-fleet", stack=stack)


@pytest.mark.parametrize(
    ("environment", "years", "protect"),
    [(Environment.DEV, 7, False), (Environment.STAGING, 7, True), (Environment.PROD, 10, True)],
)
def test_the_lock_is_the_guide_default_and_longer_in_prod(
    environment: Environment, years: int, protect: bool
) -> None:
    policy = environment_policy(
        environment, page_from_dev=False, load_balancer_deletion_protection=True
    )
    assert (policy.audit.retention_years, policy.audit.protect) == (years, protect)
    assert AUDIT_RETENTION_YEARS[environment] == years


def test_audit_trail_args_come_from_the_environment_and_the_audit_settings() -> None:
    prod = settings_of("prod")
    args = audit_trail_args(prod)
    assert args.name_prefix == "mcp-fleet-prod"
    assert args.region == prod.region
    assert (args.retention.years, args.retention.days) == (10, None)
    assert args.log_retention_days == AuditSettings().log_retention_days == 365
    assert args.break_glass_role_arn is None
    assert args.protect is True
    assert args.tags["mcp-fleet.io/environment"] == "prod"
    assert args.problems() == []
    assert audit_trail_args(settings_of("dev")).protect is False


def test_a_longer_lock_log_retention_and_break_glass_role_reach_the_args() -> None:
    role = "arn:aws:iam::111122223333:role/audit-break-glass"
    audit = AuditSettings(
        archive_retention_years=12, log_retention_days=731, break_glass_role_arn=role
    )
    settings = replace(settings_of("prod"), audit=audit)
    args = audit_trail_args(settings)
    assert audit_retention_years(settings) == 12
    assert (args.retention.years, args.log_retention_days) == (12, 731)
    assert args.break_glass_role_arn == role


def test_collector_args_pin_the_platform_entry_and_carry_its_signature() -> None:
    prod = settings_of("prod")
    args = collector_args(prod)
    entry = load_platform_entry("otel-collector")
    assert args.image == entry.image
    assert args.deployment_annotations == provenance_annotations(entry)
    assert args.namespace == "observability"
    assert args.config.environment == "prod"
    assert args.config.cluster == prod.cluster.name
    assert args.config.region == prod.region
    assert args.config.metrics_namespace == "MCPFleet"
    assert args.config.metrics_log_group == "/mcp-fleet-prod/otel/metrics"
    assert args.oidc_provider_arn == prod.cluster.oidc_provider_arn
    assert (args.replicas, args.metrics_log_retention_days) == (2, 30)
    assert args.problems() == []


def test_each_server_reports_to_the_collector_as_itself() -> None:
    settings = replace(
        settings_of("prod"), telemetry=TelemetrySettings(namespace="otel", sample_ratio=0.25)
    )
    for server in settings.servers:
        variables = otel_environment(server_telemetry(settings, server))
        assert variables["OTEL_SERVICE_NAME"] == server.name
        assert variables["OTEL_EXPORTER_OTLP_ENDPOINT"] == (
            "http://otel-collector.otel.svc.cluster.local:4317"
        )
        attributes = dict(
            pair.split("=", 1) for pair in variables["OTEL_RESOURCE_ATTRIBUTES"].split(",")
        )
        assert attributes["tenant"] == server.tenant
        assert attributes["deployment.environment.name"] == "prod"
        assert attributes["service.version"] == server.entry.version
        assert variables["OTEL_TRACES_SAMPLER_ARG"] == "0.25"


def test_tenant_egress_to_the_collector_is_its_namespace_and_otlp_ports_only() -> None:
    egress = collector_egress(settings_of("prod"))
    assert (egress.namespace, egress.ports, egress.cidrs) == ("observability", (4317, 4318), ())
    assert egress.problems(frozenset({"mcp-storefront"}), "mcp-storefront") == []
