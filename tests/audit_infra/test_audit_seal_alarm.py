"""The audit seal-lag alarm as Platform renders it, and replayed into moto's CloudWatch.

Prod pages, staging tickets; the alarm reads what ``ops audit seal --publish-metric``
publishes (same namespace, metric and dimension), and a missing datapoint breaches.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.audit_seal_alarm import (
    ALARM_AUDIT_SEAL_LAG,
    EVALUATION_PERIODS,
    LAG_METRIC,
    METRIC_NAMESPACE,
)
from ops.metrics import AUDIT_NAMESPACE
from policy.contract import ALARM_KIND
from tests.components.test_platform import built
from tests.observability.cloudwatch_api import put_metric_alarm

REGION = "eu-west-1"


def seal_alarm(stack: str) -> dict[str, Any]:
    (alarm,) = [
        r["inputs"]
        for r in built(stack).of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if (r["inputs"].get("tags") or {}).get(ALARM_KIND) == ALARM_AUDIT_SEAL_LAG
    ]
    return alarm


def audit_group(stack: str) -> str:
    names = [
        r["inputs"]["name"]
        for r in built(stack).of_type("aws:cloudwatch/logGroup:LogGroup")
        if str(r["inputs"].get("name", "")).endswith("/audit")
    ]
    assert len(names) == 1, names
    return names[0]


@pytest.mark.parametrize(("stack", "route"), [("prod", "-page"), ("staging", "-ticket")])
def test_the_alarm_reads_the_sealers_metric_and_goes_to_the_stage_route(
    stack: str, route: str
) -> None:
    alarm = seal_alarm(stack)
    assert alarm["namespace"] == METRIC_NAMESPACE == AUDIT_NAMESPACE
    assert alarm["metricName"] == LAG_METRIC
    assert alarm["dimensions"] == {"LogGroup": audit_group(stack)}
    assert alarm["statistic"] == "Maximum"
    assert alarm["evaluationPeriods"] == alarm["datapointsToAlarm"] == EVALUATION_PERIODS
    assert alarm["treatMissingData"] == "breaching"
    assert alarm["comparisonOperator"] == "GreaterThanThreshold"
    # settle (120 s) + two 5-minute schedule intervals
    assert alarm["threshold"] == 720
    assert alarm["period"] == 300
    assert alarm["alarmActions"], f"{stack}: the seal-lag alarm notifies nobody"
    assert all(arn.endswith(f"mcp-fleet-{stack}{route}") for arn in alarm["alarmActions"])
    assert alarm["okActions"] == alarm["alarmActions"]


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_the_rendered_alarm_replays_into_cloudwatch_unchanged(stack: str) -> None:
    alarm = seal_alarm(stack)
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        call = put_metric_alarm(alarm)
        cloudwatch.put_metric_alarm(**call)
        (stored,) = cloudwatch.describe_alarms(AlarmNames=[call["AlarmName"]])["MetricAlarms"]
    for key in ("Namespace", "MetricName", "Threshold", "EvaluationPeriods", "TreatMissingData"):
        assert stored[key] == call[key], key
    assert stored["Dimensions"] == call["Dimensions"]
    assert stored["AlarmActions"] == call["AlarmActions"]
