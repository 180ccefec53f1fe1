"""Backups inside a whole rendered stack: what only the composition can show.

The component itself is tested in-process from hand-made Args (test_bucket_render.py,
test_schedule_render.py); here the example stacks' files reach it through Platform: the
stack's retention, lock and replica, the page topic the age alarms notify, the cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from review.render import RenderedStack
from tests.backups.rendered_backups import (
    ALARM,
    BUCKET,
    LIFECYCLE,
    OBJECT_LOCK,
    PRIMARY,
    REPLICA,
    component,
    of_bucket,
    owned,
    the_bucket,
)

Rendered = Callable[[str], RenderedStack]
EXPECTED: dict[str, dict[str, Any]] = {
    "prod": {"retention": 30, "lock": True, "replica": "eu-central-1", "alarms": 3},
}


@pytest.mark.parametrize("stack", sorted(EXPECTED))
def test_the_stack_file_reaches_the_backups_under_the_platform(
    rendered: Rendered, stack: str
) -> None:
    result, expected = rendered(stack), EXPECTED[stack]
    (platform,) = result.of_type("mcp-fleet:platform:Platform")
    assert component(result)["parent"] == platform["urn"]
    buckets = {b["name"]: b for b in owned(result, BUCKET)}
    assert set(buckets) == ({PRIMARY, REPLICA} if expected["replica"] else {PRIMARY})
    if expected["replica"]:
        assert the_bucket(result, REPLICA)["inputs"]["region"] == expected["replica"]
    (expire, *_) = of_bucket(result, LIFECYCLE)["inputs"]["rules"]
    assert expire["expiration"] == {"days": expected["retention"]}
    assert bool(owned(result, OBJECT_LOCK)) is expected["lock"]
    for bucket in buckets.values():
        assert bucket["options"]["protect"] is (stack != "dev")
        assert bucket["inputs"]["forceDestroy"] is (stack == "dev")

    page_topic = platform["outputs"]["page_topic_arn"]
    assert page_topic.endswith(f":mcp-fleet-{stack}-page")
    alarms = owned(result, ALARM)
    assert len(alarms) == expected["alarms"]
    for alarm in alarms:
        # Dev records only (observability.pageFromDev is off); prod pages.
        actions = [] if stack == "dev" else [page_topic]
        assert alarm["inputs"].get("alarmActions", []) == actions
        assert alarm["inputs"].get("okActions", []) == actions


def test_backup_jobs_run_on_the_platforms_cluster(rendered: Rendered) -> None:
    result = rendered("prod")
    (provider,) = result.of_type("pulumi:providers:kubernetes")
    objects = [
        r
        for r in result.descendants_of(component(result)["urn"])
        if r["type"].startswith("kubernetes:")
    ]
    assert objects
    for obj in objects:
        assert obj["provider"].startswith(f"{provider['urn']}::"), obj["name"]
