"""lb-target-group-drain: one target group at a time."""

from __future__ import annotations

from typing import Any

import pytest

from policy.rules.lb_target_group_drain import lb_target_group_drain
from tests.policy.harness import (
    UNKNOWN,
    resource_args,
    violations,
)


@pytest.mark.parametrize(
    ("delay", "expected"),
    [
        (30, []),
        (10, []),
        (300, ["deregistrationDelay is 300 s; the fleet drains in at most 30 s"]),
        (None, ["deregistrationDelay is not set (AWS then waits 300 s); set it to at most 30 s"]),
        (UNKNOWN, []),
    ],
)
def test_target_groups_drain_within_the_fleets_drain_time(delay: Any, expected: list[str]) -> None:
    props: dict[str, Any] = {"port": 8080, "protocol": "HTTP", "targetType": "ip"}
    if delay is not None:
        props["deregistrationDelay"] = delay
    config = {"maxDrainSeconds": 30}
    assert (
        violations(
            lb_target_group_drain, resource_args("aws:lb/targetGroup:TargetGroup", props, config)
        )
        == expected
    )
