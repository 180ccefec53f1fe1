"""An aborted rollout reaches the ticket topic: the controller's abort line, counted and alarmed.

The lines are the controller's (logrus' text format, as ``utils/record`` writes an event with
its reason field) shipped by Container Insights: not JSON, so the raw text is under ``log``.
Patterns are evaluated by tests/observability/filter_patterns.py (CloudWatch's JSON syntax).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from components.rollout_abort_alarm import METRIC_NAME, abort_pattern
from review.render import RenderedStack
from tests.observability.filter_patterns import compile_pattern

ABORTED = (
    'time="2026-12-03T21:04:05Z" level=warning msg="Rollout aborted update to revision 7: '
    'Metric \\"tool-error-ratio\\" assessed Failed due to failed (1) > failureLimit (0)" '
    "event_reason=RolloutAborted namespace=mcp-storefront rollout=github"
)
PAUSED = (
    'time="2026-12-03T21:03:05Z" level=info msg="Rollout paused" '
    "event_reason=RolloutPaused namespace=mcp-storefront rollout=github"
)


def shipped(line: str, namespace: str = "argo-rollouts") -> str:
    return json.dumps(
        {
            "time": "2026-12-03T21:04:05.000Z",
            "stream": "stderr",
            "log": line,
            "kubernetes": {"namespace_name": namespace, "container_name": "argo-rollouts"},
        }
    )


def test_the_filter_counts_only_the_controllers_abort_lines() -> None:
    pattern = compile_pattern(abort_pattern("argo-rollouts"))
    assert pattern.matches(shipped(ABORTED))
    assert not pattern.matches(shipped(PAUSED))
    assert not pattern.matches(shipped(ABORTED, namespace="mcp-storefront"))


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_abort_alarm_notifies_the_ticket_topic_where_the_stack_notifies(
    stack: str, rendered: Callable[[str], RenderedStack]
) -> None:
    result = rendered(stack)
    (alarm,) = [
        a
        for a in result.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a["inputs"].get("metricName") == METRIC_NAME
    ]
    (metric_filter,) = [
        f
        for f in result.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")
        if f["inputs"]["metricTransformation"]["name"] == METRIC_NAME
    ]
    assert metric_filter["inputs"]["logGroupName"].endswith("/application")
    assert metric_filter["inputs"]["pattern"] == abort_pattern("argo-rollouts")
    assert alarm["inputs"]["namespace"] == f"McpFleet/Delivery/{stack}"
    assert alarm["inputs"]["threshold"] == 1
    actions = alarm["inputs"].get("alarmActions") or []
    if stack == "dev":
        assert actions == []
    else:
        (topic,) = [t for t in result.of_type("aws:sns/topic:Topic") if "ticket" in t["name"]]
        assert actions == [topic["outputs"]["arn"]]
