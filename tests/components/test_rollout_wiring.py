"""Settings to rollout plans: every server of every example stack rolls out progressively."""

from __future__ import annotations

import pytest

from catalog.entry import SessionMode
from components.environment_policy import environment_policy
from components.platform_args import rollout_plan, server_args
from delivery.plan import ENFORCING_STAGES
from stacks import load_settings
from stacks.environment import Environment
from tests.components.test_platform_args import STACKS, settings_of
from tests.stacks.stack_config import raw_config, with_value


@pytest.mark.parametrize("environment", list(Environment))
def test_every_stage_rolls_out_progressively(environment: Environment) -> None:
    decided = environment_policy(
        environment, page_from_dev=False, load_balancer_deletion_protection=True
    )
    assert decided.progressive_delivery is True


@pytest.mark.parametrize("stack", STACKS)
def test_each_server_gets_its_plan_from_its_slo_and_the_fleet_settings(stack: str) -> None:
    settings = settings_of(stack)
    for server in settings.servers:
        args = server_args(settings, server, server.namespace)
        plan = args.delivery
        assert plan is not None and plan.server == server.name
        assert plan.namespace == server.namespace
        assert plan.enforcing is (stack in ENFORCING_STAGES)
        assert plan.weights == (25, 50, 75, 100)
        assert plan.error_budget == pytest.approx(server.slo.error_budget)
        assert {b.watch_seconds for b in plan.batches} == {settings.fleet.watch_seconds}
        assert plan.ticket_route.https_endpoints == settings.observability.ticket.https_endpoints
        stateful = server.entry.session_mode is SessionMode.STATEFUL
        expected_drain = (
            max(settings.fleet.drain_seconds, settings.load_balancer.idle_timeout_seconds)
            if stateful
            else settings.fleet.drain_seconds
        )
        assert plan.pod_drain_seconds == expected_drain
        assert plan.stateful is stateful


def test_the_stacks_have_a_stateful_server_whose_drain_covers_the_idle_timeout() -> None:
    settings = settings_of("prod")
    stateful = [s for s in settings.servers if s.entry.session_mode is SessionMode.STATEFUL]
    assert stateful, "the example stacks run a stateful server"
    plan = rollout_plan(settings, stateful[0])
    assert plan.pod_drain_seconds == settings.load_balancer.idle_timeout_seconds
    assert {b.drain_seconds for b in plan.batches} == {plan.pod_drain_seconds}


def test_the_watch_window_setting_reaches_every_batch() -> None:
    config = with_value("prod", "mcp-fleet:fleet", {"watchSeconds": 180})
    settings = load_settings(config, project="mcp-fleet", stack="prod")
    plan = rollout_plan(settings, settings.servers[0])
    assert [b.watch_seconds for b in plan.batches] == [180] * 4
    assert raw_config("prod") != config
