"""rollout-step-within-batch: one Rollout at a time."""

from __future__ import annotations

from typing import Any

import pytest

from policy.resource_types import ROLLOUT
from policy.rules.rollout_step_within_batch import rollout_step_within_batch as policy
from tests.policy.harness import resource_args, stack_config, violations
from tests.policy.rules.rollout_objects import objects


def rollout(kind: str = "baseline") -> dict[str, Any]:
    (found,) = [doc for key, doc in objects(kind).items() if key.startswith("Rollout/")]
    return found


def judge(props: dict[str, Any], stack: str = "prod") -> list[str]:
    return violations(policy, resource_args(ROLLOUT, props, stack_config(stack, policy.name)))


@pytest.mark.parametrize("kind", ["baseline", "strict", "stateful"])
def test_the_planned_rollouts_step_by_the_batch(kind: str) -> None:
    assert judge(rollout(kind)) == []


def test_a_jump_larger_than_the_batch_is_a_violation() -> None:
    props = rollout()
    steps = props["spec"]["strategy"]["canary"]["steps"]
    props["spec"]["strategy"]["canary"]["steps"] = [
        s for s in steps if s.get("setWeight") not in (25, 75)
    ]
    first, second = judge(props)
    assert "steps[3] sets the weight from 0 % to 50 %, a step of 50 %" in first
    assert "the fleet's batch is 25 %: add steps" in first
    assert "from 50 % to 100 %, a step of 50 %" in second


def test_a_surge_above_the_batch_is_a_violation() -> None:
    props = rollout()
    props["spec"]["strategy"]["canary"]["maxSurge"] = "50%"
    assert judge(props) == [
        "Rollout 'github-tools': maxSurge 50% is above the fleet's batch of 25 %"
    ]


def test_an_absolute_unavailability_is_judged_against_the_replicas() -> None:
    props = rollout()
    props["spec"]["replicas"] = 4
    props["spec"]["strategy"]["canary"]["maxUnavailable"] = 2
    (message,) = judge(props)
    assert "maxUnavailable 2 pods is above the fleet's batch of 25 %" in message


def test_other_types_and_strategies_are_left_alone() -> None:
    assert violations(policy, resource_args("kubernetes:apps/v1:Deployment", {"spec": {}})) == []
    props = rollout()
    props["spec"]["strategy"] = {"blueGreen": {"activeService": "x"}}
    assert judge(props) == []
