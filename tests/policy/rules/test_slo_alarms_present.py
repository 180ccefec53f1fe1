"""slo-alarms-present: a server's Deployment and the alarms that watch its SLO."""

from __future__ import annotations

import copy
from typing import Any

from pulumi_policy import PolicyResource

from policy.rules.slo_alarms_present import slo_alarms_present
from tests.policy.harness import (
    DEPLOYMENT,
    UNKNOWN,
    deployment,
    resource,
    stack_args,
    tags,
    violations,
)

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
TOPIC = "arn:aws:sns:eu-west-1:111122223333:page"


def latency_alarm(threshold: Any = 0.3, actions: Any = (TOPIC,), **extra: Any) -> dict[str, Any]:
    return {
        "metricName": "TargetResponseTime",
        "namespace": "AWS/ApplicationELB",
        "extendedStatistic": "p95",
        "threshold": threshold,
        "comparisonOperator": "GreaterThanThreshold",
        "alarmActions": list(actions) if isinstance(actions, tuple) else actions,
        "tags": {**tags(), "mcp-fleet.io/alarm-kind": "latency-p95"},
        **extra,
    }


def availability_alarms() -> list[PolicyResource]:
    window = {
        "metricName": "ToolErrors",
        "threshold": 0.072,
        "alarmActions": [],
        "tags": {**tags(), "mcp-fleet.io/alarm-kind": "burn-rate-1h"},
    }
    page = {
        "alarmRule": "ALARM(x)",
        "alarmActions": [TOPIC],
        "tags": {**tags(), "mcp-fleet.io/alarm-kind": "burn-rate-page"},
    }
    return [
        resource(METRIC_ALARM, window, name="github-burn-1h"),
        resource(COMPOSITE_ALARM, page, name="github-burn-page"),
    ]


def stack(*alarms: PolicyResource) -> list[PolicyResource]:
    return [resource(DEPLOYMENT, deployment(), name="github"), *alarms]


REQUIRE_ACTIONS = {"requireAlarmActions": True}


def test_a_server_with_matching_alarms_that_notify_passes() -> None:
    resources = stack(
        resource(METRIC_ALARM, latency_alarm(), name="github-latency"), *availability_alarms()
    )
    assert violations(slo_alarms_present, stack_args(resources, REQUIRE_ACTIONS)) == []


def test_missing_alarms_are_reported() -> None:
    found = violations(slo_alarms_present, stack_args(stack(), REQUIRE_ACTIONS))
    assert found == [
        "server 'github' declares p95 <= 300 ms but has no MetricAlarm tagged mcp-fleet.io/alarm-kind=latency-p95",
        "server 'github' declares tool success >= 99.5% but has no alarm of kind error-rate-5xx, "
        "tool-success, burn-rate-* enforcing it",
    ]


def test_a_latency_alarm_at_the_wrong_threshold_or_statistic_fails() -> None:
    for alarm in (latency_alarm(threshold=0.4), latency_alarm(extendedStatistic="p99")):
        resources = stack(
            resource(METRIC_ALARM, alarm, name="github-latency"), *availability_alarms()
        )
        [message] = violations(slo_alarms_present, stack_args(resources))
        assert "no latency-p95 alarm watches TargetResponseTime p95 with threshold 0.3 s" in message


def test_metric_math_latency_alarms_count() -> None:
    alarm = latency_alarm()
    del alarm["metricName"], alarm["extendedStatistic"]
    alarm["metricQueries"] = [
        {
            "id": "p95",
            "returnData": True,
            "metric": {"metricName": "TargetResponseTime", "stat": "p95", "period": 60},
        }
    ]
    resources = stack(resource(METRIC_ALARM, alarm, name="github-latency"), *availability_alarms())
    assert violations(slo_alarms_present, stack_args(resources, REQUIRE_ACTIONS)) == []


def test_alarms_that_notify_nobody_fail_only_where_required() -> None:
    silent = copy.deepcopy(availability_alarms())
    resources = stack(
        resource(METRIC_ALARM, latency_alarm(actions=()), name="github-latency"), silent[0]
    )
    assert violations(slo_alarms_present, stack_args(resources)) == []
    found = violations(slo_alarms_present, stack_args(resources, REQUIRE_ACTIONS))
    assert found == [
        "no latency alarm of server 'github' has alarmActions: in this stage an SLO breach must page or ticket someone",
        "no availability alarm of server 'github' has alarmActions: in this stage an SLO breach must page or ticket someone",
    ]


def test_an_availability_alarm_for_another_slo_fails() -> None:
    wrong = {
        "metricName": "HTTPCode_Target_5XX_Count",
        "threshold": 0.01,
        "alarmActions": [TOPIC],
        "tags": {**tags(slo_success_rate="99.0"), "mcp-fleet.io/alarm-kind": "error-rate-5xx"},
    }
    resources = stack(
        resource(METRIC_ALARM, latency_alarm(), name="github-latency"),
        resource(METRIC_ALARM, wrong, name="github-5xx"),
        *availability_alarms(),
    )
    [message] = violations(slo_alarms_present, stack_args(resources))
    assert message == "alarm 'github-5xx' enforces success 99% but server 'github' declares 99.5%"


def test_unknown_thresholds_and_actions_are_not_violations() -> None:
    resources = stack(
        resource(
            METRIC_ALARM, latency_alarm(threshold=UNKNOWN, actions=UNKNOWN), name="github-latency"
        ),
        *availability_alarms(),
    )
    assert violations(slo_alarms_present, stack_args(resources, REQUIRE_ACTIONS)) == []
