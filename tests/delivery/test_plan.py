"""The rollout plan per server kind and stage: steps, windows and thresholds against the SLO math."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.slo_math import BURN_RATE_TIERS, Severity, burn_threshold, error_budget
from delivery import RolloutInputs, RolloutPlanError, SliKind, plan_rollout
from delivery.plan import batch_weights, canary_replicas
from tests.delivery.servers import BASELINE, KINDS, STAGES, STATEFUL, STRICT, in_stage

CASES = [(kind, stage) for kind in KINDS for stage in STAGES]


def _check(plan_inputs: RolloutInputs, kind: SliKind) -> float:
    plan = plan_rollout(plan_inputs)
    return next(c.threshold for c in (*plan.gate, *plan.background) if c.kind is kind)


@pytest.mark.parametrize(("kind", "stage"), CASES)
def test_batches_step_by_the_fleet_batch_up_to_all_replicas(kind: str, stage: str) -> None:
    inputs = in_stage(KINDS[kind], stage)
    plan = plan_rollout(inputs)
    assert plan.weights == (25, 50, 75, 100)
    assert plan.max_surge_percent == inputs.batch_percent
    for batch in plan.batches:
        assert batch.canary_replicas_at_min == -(-inputs.min_replicas * batch.weight_percent // 100)


@pytest.mark.parametrize(("kind", "stage"), CASES)
def test_every_batch_drains_then_watches_the_window_from_settings(kind: str, stage: str) -> None:
    inputs = in_stage(KINDS[kind], stage)
    plan = plan_rollout(inputs)
    expected_drain = (
        max(inputs.drain_seconds, inputs.session_idle_timeout_seconds)
        if inputs.stateful
        else inputs.drain_seconds
    )
    assert {(b.drain_seconds, b.watch_seconds) for b in plan.batches} == {(expected_drain, 60)}
    assert plan.pod_drain_seconds == expected_drain
    assert plan.duration_seconds == 4 * (expected_drain + 60)
    gate_windows = {check.lookback_seconds for check in plan.gate}
    assert gate_windows == {inputs.watch_seconds}


@pytest.mark.parametrize(("kind", "stage"), CASES)
def test_thresholds_are_the_slo_math_of_the_alarms(kind: str, stage: str) -> None:
    inputs = in_stage(KINDS[kind], stage)
    plan = plan_rollout(inputs)
    budget = error_budget(inputs.tool_success_rate)
    fast = max(
        (t for t in BURN_RATE_TIERS if t.severity is Severity.PAGE), key=lambda t: t.burn_rate
    )
    thresholds = {c.kind: c.threshold for c in (*plan.gate, *plan.background)}
    assert thresholds[SliKind.TOOL_ERROR_RATIO] == budget
    assert thresholds[SliKind.TOOL_LATENCY_P95] == inputs.p95_latency_ms
    assert thresholds[SliKind.FAST_BURN] == burn_threshold(fast.burn_rate, budget)
    background = plan.background[0]
    assert background.lookback_seconds == fast.short_window.seconds
    assert plan.error_budget == budget
    assert (SliKind.SESSION_ERROR_RATIO in thresholds) is inputs.stateful
    assert thresholds[SliKind.SERVER_5XX_RATIO] == budget
    for check in plan.gate:
        if check.unit == "ratio":
            assert check.threshold <= budget, f"{check.kind} is looser than the SLO"


def test_the_numbers_a_reviewer_would_check_by_hand() -> None:
    """The arithmetic spelled out once, so a change to slo_math shows up here by name."""
    assert _check(BASELINE, SliKind.TOOL_ERROR_RATIO) == 0.01
    assert _check(BASELINE, SliKind.FAST_BURN) == 0.144
    assert _check(STRICT, SliKind.TOOL_ERROR_RATIO) == 0.001
    assert _check(STRICT, SliKind.FAST_BURN) == 0.0144
    assert _check(STRICT, SliKind.TOOL_LATENCY_P95) == 250
    assert _check(STATEFUL, SliKind.SESSION_ERROR_RATIO) == 0.005
    assert plan_rollout(STATEFUL).batches[0].drain_seconds == 300


@pytest.mark.parametrize("stage", STAGES)
def test_only_staging_and_prod_abort_and_notify(stage: str) -> None:
    plan = plan_rollout(in_stage(BASELINE, stage))
    assert plan.enforcing is (stage != "dev")


def test_a_longer_watch_window_lengthens_every_gate() -> None:
    plan = plan_rollout(replace(STRICT, watch_seconds=180))
    assert {b.watch_seconds for b in plan.batches} == {180}
    assert {c.lookback_seconds for c in plan.gate} == {180}
    assert plan.background[0].lookback_seconds == 300


def test_rollback_triggers_name_every_check_and_limit() -> None:
    plan = plan_rollout(STATEFUL)
    assert len(plan.rollback_triggers) == len(plan.gate) + len(plan.background)
    assert "tool-error-ratio above 0.005 ratio over 60s" in plan.rollback_triggers
    assert "fast-burn above 0.072 ratio over 300s" in plan.rollback_triggers


@given(batch=st.integers(min_value=1, max_value=50), replicas=st.integers(1, 40))
def test_no_step_is_larger_than_the_batch(batch: int, replicas: int) -> None:
    weights = batch_weights(batch)
    assert weights[-1] == 100
    steps = [b - a for a, b in zip((0, *weights), weights, strict=False)]
    assert all(0 < step <= batch for step in steps)
    assert all(1 <= canary_replicas(replicas, w) <= replicas for w in weights)


@given(rate=st.floats(min_value=90.0, max_value=99.999, allow_nan=False))
def test_no_ratio_check_is_looser_than_the_slo(rate: float) -> None:
    plan = plan_rollout(replace(STATEFUL, tool_success_rate=rate))
    budget = error_budget(rate)
    assert all(c.threshold <= budget for c in plan.gate if c.unit == "ratio")
    assert plan.background[0].threshold >= budget


@pytest.mark.parametrize(
    ("change", "key", "fix"),
    [
        ({"watch_seconds": 90}, "watch_seconds", "use 60, 120"),
        ({"watch_seconds": 0}, "watch_seconds", "use 60, 120"),
        ({"stage": "qa"}, "stage", "('dev', 'staging', 'prod')"),
        ({"tool_success_rate": 100.0}, "tool_success_rate", "like 99.0"),
        ({"batch_percent": 60}, "batch_percent", "batch is 25"),
        ({"min_replicas": 9, "max_replicas": 3}, "min_replicas", "1 <= min_replicas"),
        ({"session_idle_timeout_seconds": 0}, "session_idle_timeout_seconds", "like 300"),
    ],
)
def test_a_wrong_input_names_the_key_and_the_fix(
    change: dict[str, object], key: str, fix: str
) -> None:
    with pytest.raises(RolloutPlanError) as raised:
        plan_rollout(replace(STATEFUL, **change))  # type: ignore[arg-type]
    assert str(raised.value).startswith(f"rollout input {key}: ")
    assert fix in str(raised.value)


def test_a_ticket_route_outside_tls_is_refused() -> None:
    route = replace(BASELINE.ticket_route, https_endpoints=("http://tickets.example.com/",))
    with pytest.raises(RolloutPlanError) as raised:
        plan_rollout(replace(BASELINE, ticket_route=route))
    assert "ticket_route: 'http://tickets.example.com/' is not an https:// URL" in str(raised.value)
