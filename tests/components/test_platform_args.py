"""Settings to Args: what Platform hands each component for the example stacks.

In-process and resource-free: the stack files are loaded and ``components/platform_args.py``
turns them into Args; the components themselves are tested from hand-made Args.
"""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace

import pytest

from components.environment_policy import Naming, environment_policy
from components.platform_args import (
    backups_args,
    load_balancer_args,
    observability_args,
    server_args,
)
from stacks import load_settings
from stacks.environment import Environment
from stacks.fleet_plan import Settings
from tests.stacks.stack_config import raw_config, with_value

STACKS = ("dev", "staging", "prod")
PAGE = "arn:aws:sns:eu-west-1:111122223333:mcp-fleet-prod-page"


@cache
def settings_of(stack: str) -> Settings:
    return load_settings(raw_config(stack), project="mcp-fleet", stack=stack)


@pytest.mark.parametrize(
    ("stack", "retention", "rpo", "lock", "replica", "dependencies"),
    [
        ("dev", 7, 240, False, None, ["sessions"]),
        ("staging", 14, 60, False, None, ["sessions", "audit-db"]),
        ("prod", 30, 60, True, "eu-central-1", ["sessions", "audit-db", "server-config"]),
    ],
)
def test_backups_get_the_stack_files_retention_lock_replica_and_dependencies(
    stack: str, retention: int, rpo: int, lock: bool, replica: str | None, dependencies: list[str]
) -> None:
    settings = settings_of(stack)
    args = backups_args(settings, [PAGE])
    assert args.bucket.retention_days == retention
    assert args.bucket.object_lock is lock
    assert args.bucket.replica_region == replica
    assert args.bucket.region == settings.region
    assert args.bucket.name_prefix == f"mcp-fleet-{stack}"
    assert args.jobs.rpo_minutes == rpo
    assert args.jobs.ops_image == settings.backups.ops_image
    assert args.jobs.oidc_provider_arn == settings.cluster.oidc_provider_arn
    assert [d.name for d in args.dependencies] == dependencies
    assert list(args.alarm_actions) == [PAGE]
    assert (
        args.bucket.stateful
        == environment_policy(
            Environment(stack), page_from_dev=False, load_balancer_deletion_protection=True
        ).backups
    )


@pytest.mark.parametrize(
    ("environment", "protect", "retain", "force_destroy", "window"),
    [
        (Environment.DEV, False, False, True, 7),
        (Environment.STAGING, True, False, False, 30),
        (Environment.PROD, True, True, False, 30),
    ],
)
def test_stateful_resources_are_protected_outside_dev_and_retained_in_prod(
    environment: Environment, protect: bool, retain: bool, force_destroy: bool, window: int
) -> None:
    backups = environment_policy(
        environment, page_from_dev=False, load_balancer_deletion_protection=True
    ).backups
    assert (backups.protect, backups.retain_on_delete) == (protect, retain)
    assert backups.force_destroy is force_destroy
    assert backups.key_deletion_window_days == window


@pytest.mark.parametrize("environment", list(Environment))
def test_alarms_notify_outside_dev_and_in_dev_only_when_asked(environment: Environment) -> None:
    quiet = environment_policy(
        environment, page_from_dev=False, load_balancer_deletion_protection=True
    )
    asked = environment_policy(
        environment, page_from_dev=True, load_balancer_deletion_protection=True
    )
    assert quiet.notify is (environment is not Environment.DEV)
    assert asked.notify is True
    assert quiet.service_key_deletion_window_days == 30


def test_access_logs_may_go_only_where_the_load_balancer_may() -> None:
    for protected in (True, False):
        policy = environment_policy(
            Environment.DEV, page_from_dev=False, load_balancer_deletion_protection=protected
        )
        assert policy.access_logs_force_destroy is (not protected)


def test_observability_names_carry_the_stack_and_the_rest_the_environment() -> None:
    naming = Naming(project="mcp-fleet", stack="prod-eu", environment="prod")
    assert naming.stack_prefix == "mcp-fleet-prod-eu"
    assert naming.stack_title == "mcp-fleet prod-eu"
    assert naming.environment_prefix == "mcp-fleet-prod"
    assert naming.environment_title == "mcp-fleet prod"


@pytest.mark.parametrize("stack", STACKS)
def test_observability_gets_the_stack_files_paging_logs_and_routing(stack: str) -> None:
    settings = settings_of(stack)
    args = observability_args(settings, "app/lb/1", "targetgroup/gateway/1")
    watched = settings.observability
    assert args.notify is (stack != "dev")
    assert args.paging.name_prefix == args.logs.name_prefix == f"mcp-fleet-{stack}"
    assert args.paging.page.emails == watched.page.emails
    assert args.paging.page.https_endpoints == watched.page.https_endpoints
    assert args.paging.ticket.emails == watched.ticket.emails
    assert args.logs.retention_days == watched.log_retention_days
    assert args.logs.cluster_name == settings.cluster.name
    assert args.alarms.saturation_percent == watched.saturation_percent
    assert [m.server.name for m in args.servers] == [s.name for s in settings.servers]
    assert (args.load_balancer_arn_suffix, args.gateway_target_group_arn_suffix) == (
        "app/lb/1",
        "targetgroup/gateway/1",
    )


def test_page_from_dev_makes_dev_alarms_notify() -> None:
    settings = load_settings(
        with_value("dev", "mcp-fleet:observability", {"pageFromDev": True}),
        project="mcp-fleet",
        stack="dev",
    )
    assert observability_args(settings, "app/lb/1", "targetgroup/gateway/1").notify


@pytest.mark.parametrize("stack", STACKS)
def test_servers_get_the_fleets_rollout_and_their_own_labels(stack: str) -> None:
    settings = settings_of(stack)
    for server in settings.servers:
        args = server_args(settings, server, server.namespace)
        assert args.rollout.batch_percent == settings.fleet.rollout_batch_percent
        assert args.rollout.drain_seconds == settings.fleet.drain_seconds
        assert args.rollout.target_cpu_utilization == settings.fleet.target_cpu_utilization
        assert args.environment == stack
        assert args.labels["mcp-fleet.io/server"] == server.name
        assert "mcp-fleet.io/catalog-entry" in args.deployment_annotations


@pytest.mark.parametrize(
    ("stack", "protected", "retention"),
    [("dev", False, 7), ("staging", True, 90), ("prod", True, 365)],
)
def test_the_load_balancer_gets_the_stack_files_protection_retention_and_the_gateway(
    stack: str, protected: bool, retention: int
) -> None:
    settings = settings_of(stack)
    gateway = SimpleNamespace(
        namespace="mcp-gateway", service_name="mcp-gateway", port=8080, health_port=8405,
        service=object(),
    )  # fmt: skip
    args = load_balancer_args(settings, gateway)  # type: ignore[arg-type]
    assert args.deletion_protection is protected
    assert args.access_logs.retention_days == retention
    assert args.access_logs.force_destroy is (not protected)
    assert args.load_balancer_name == f"mcp-fleet-{stack}"
    assert args.network.public_subnet_ids == settings.network.public_subnet_ids
    # One backend, the gateway, at the one host it serves: no server is routed here.
    assert (args.gateway.namespace, args.gateway.service_name) == ("mcp-gateway", "mcp-gateway")
    assert (args.gateway.port, args.gateway.health_port) == (8080, 8405)
    assert args.gateway.service is gateway.service
    assert args.gateway.health_path == "/healthz"
    assert list(args.hosts) == [settings.network.domain]
    assert args.drain_seconds == settings.fleet.drain_seconds


def test_the_alb_checks_the_health_path_and_host_the_rendered_gateway_serves() -> None:
    """The health path and host the ALB uses are the ones in the gateway's configuration."""
    from components.platform_args import GATEWAY_HEALTH_PATH, gateway_args

    settings = settings_of("prod")
    config = gateway_args(settings, ["10.0.0.0/24"]).config_text
    assert f"monitor-uri {GATEWAY_HEALTH_PATH}" in config
    assert f"https://{settings.network.domain}/" in config
