"""The guide's calculate_capacity, and what it becomes for Kubernetes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from stacks.capacity import CapacityInputs, plan_capacity


def guide_inputs(**overrides: object) -> CapacityInputs:
    values: dict[str, object] = {
        "peak_rps": 1000,
        "cpu_per_request": 0.01,
        "memory_per_connection_mb": 10,
        "concurrent_connections": 1000,
        "headroom": 0.5,
        "cores_per_node": 4,
    }
    values.update(overrides)
    return CapacityInputs.model_validate(values)


def test_the_guides_own_numbers_give_15_cores_15000_mb_and_4_instances() -> None:
    plan = plan_capacity(guide_inputs())
    assert plan.cores_needed == 15
    assert plan.memory_needed_mb == 15_000
    assert plan.nodes == 4


def test_replicas_at_peak_carry_whichever_of_cpu_and_memory_needs_more_pods() -> None:
    # 15 cores / 0.5 per pod = 30 pods; 15,000 MB / (512 - 128) MB = 40 pods: memory wins.
    plan = plan_capacity(guide_inputs(pod_cpu=0.5, pod_memory_mb=512, base_memory_mb=128))
    assert plan.max_replicas == 40
    # the off-peak quarter of 40, above the floor of 2
    assert plan.min_replicas == 10
    assert (plan.cpu_request, plan.cpu_limit) == ("500m", "1000m")
    assert (plan.memory_request, plan.memory_limit) == ("512Mi", "512Mi")


def test_small_services_keep_the_replica_floor() -> None:
    plan = plan_capacity(guide_inputs(peak_rps=1, concurrent_connections=1))
    assert (plan.min_replicas, plan.max_replicas) == (2, 2)
    assert plan.nodes == 1


def test_headroom_is_a_parameter_not_a_constant() -> None:
    assert plan_capacity(guide_inputs(headroom=0)).cores_needed == 10
    assert plan_capacity(guide_inputs(headroom=1)).cores_needed == 20


def test_stack_overrides_win_over_the_plan() -> None:
    plan = plan_capacity(guide_inputs(min_replicas_override=5, max_replicas_override=8))
    assert (plan.min_replicas, plan.max_replicas) == (5, 8)


def test_a_minimum_above_the_maximum_is_refused_not_silently_fixed() -> None:
    with pytest.raises(ValueError, match=r"minReplicas \(9\) is above maxReplicas \(4\)"):
        plan_capacity(guide_inputs(min_replicas_override=9, max_replicas_override=4))


def test_a_pod_with_no_room_beyond_its_idle_memory_is_refused() -> None:
    with pytest.raises(ValidationError, match="must exceed the idle base memory"):
        guide_inputs(pod_memory_mb=128, base_memory_mb=128)
