"""Observability inside whole rendered stacks: what only the composition can show.

The component is tested in-process from hand-made Args (test_alarms.py and beside it);
here every server of a stack file has every alarm on its own load balancer metrics, and
the stack's routing (dev records, prod notifies) reaches them through Platform.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from components.labels import SERVER
from review.render import RenderedStack
from stacks import load_settings
from tests.observability.rendered_alarms import EVERY_KIND, WINDOW_KINDS, alarms_of
from tests.stacks.stack_config import raw_config

Rendered = Callable[[str], RenderedStack]


@pytest.mark.parametrize("stack", ["prod"])
def test_every_server_of_the_stack_file_has_every_alarm_on_its_own_target_group(
    rendered: Rendered, stack: str
) -> None:
    result = rendered(stack)
    settings = load_settings(raw_config(stack), project="mcp-fleet", stack=stack)
    (alb,) = result.of_type("aws:lb/loadBalancer:LoadBalancer")
    groups = {
        g["inputs"]["tags"][SERVER]: g["outputs"]["arnSuffix"]
        for g in result.of_type("aws:lb/targetGroup:TargetGroup")
    }
    (platform,) = result.of_type("mcp-fleet:platform:Platform")
    page = platform["outputs"]["page_topic_arn"]
    for server in settings.servers:
        found = alarms_of(result, server.name)
        assert set(found) == EVERY_KIND, server.name
        assert found["latency-p95"]["inputs"]["dimensions"] == {
            "LoadBalancer": alb["outputs"]["arnSuffix"],
            "TargetGroup": groups[server.name],
        }
        for kind, alarm in found.items():
            actions = alarm["inputs"].get("alarmActions") or []
            if stack == "dev" or kind in WINDOW_KINDS:
                assert actions == [], (server.name, kind)
            else:
                assert actions and actions[0].rsplit("-", 1)[0] == page.rsplit("-", 1)[0]
