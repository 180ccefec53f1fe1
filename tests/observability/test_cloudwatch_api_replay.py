"""Every rendered alarm and dashboard, replayed through boto3 into moto and read back unchanged.

boto3 validates each call against CloudWatch's service model before it is sent; the model's
enums, maximums and patterns (which botocore leaves to the service) and the rules the API
reference states in words are checked here too. What moto stores is then read back with
DescribeAlarms / ListTagsForResource / GetDashboard and compared field by field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto import mock_aws

from review.render import RenderedStack
from tests.observability.built_observability import STACKS, built
from tests.observability.cloudwatch_api import (
    COMPOSITE_ALARM,
    DASHBOARD,
    METRIC_ALARM,
    check_against_model,
    documented_alarm_rules,
    put_composite_alarm,
    put_dashboard,
    put_metric_alarm,
)
from tests.observability.moto_gaps import moto_gaps_filled

WHOLE_PROD = "whole-prod-stack"
REGION = "eu-west-1"


def _all_alarms(cloudwatch: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    metric, composite = {}, {}
    for page in cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    ):
        metric.update({a["AlarmName"]: a for a in page["MetricAlarms"]})
        composite.update({a["AlarmName"]: a for a in page["CompositeAlarms"]})
    return metric, composite


def _suppressors_first(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A composite's suppressor must exist before it, as CloudWatch requires."""
    return sorted(calls, key=lambda call: "ActionsSuppressor" in call)


@pytest.mark.parametrize("case", [*STACKS, WHOLE_PROD])
def test_rendered_alarms_and_dashboards_round_trip(
    case: str,
    rendered: Callable[[str], RenderedStack],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each built variant, and once the whole prod stack (backup-age alarms included)."""
    resources = rendered("prod") if case == WHOLE_PROD else built(case)
    ours = [r for r in resources.resources if r["type"] in (METRIC_ALARM, COMPOSITE_ALARM)]
    metric_calls = [put_metric_alarm(r["inputs"]) for r in resources.of_type(METRIC_ALARM)]
    composite_calls = _suppressors_first(
        [put_composite_alarm(r["inputs"]) for r in resources.of_type(COMPOSITE_ALARM)]
    )
    dashboard_calls = [put_dashboard(r["inputs"]) for r in resources.of_type(DASHBOARD)]
    assert metric_calls and composite_calls and dashboard_calls and ours

    for operation, calls in (
        ("PutMetricAlarm", metric_calls),
        ("PutCompositeAlarm", composite_calls),
        ("PutDashboard", dashboard_calls),
    ):
        for call in calls:
            name = call.get("AlarmName") or call.get("DashboardName")
            assert check_against_model("cloudwatch", operation, call) == [], name
    for call in metric_calls:
        assert documented_alarm_rules(call) == [], call["AlarmName"]

    with moto_gaps_filled(monkeypatch), mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        for call in metric_calls:
            cloudwatch.put_metric_alarm(**call)
        for call in composite_calls:
            cloudwatch.put_composite_alarm(**call)
        for call in dashboard_calls:
            cloudwatch.put_dashboard(**call)

        metric, composite = _all_alarms(cloudwatch)
        assert set(metric) == {c["AlarmName"] for c in metric_calls}
        assert set(composite) == {c["AlarmName"] for c in composite_calls}
        for call in [*metric_calls, *composite_calls]:
            stored = metric.get(call["AlarmName"]) or composite[call["AlarmName"]]
            for key, sent in call.items():
                if key == "Tags":
                    tags = cloudwatch.list_tags_for_resource(ResourceARN=stored["AlarmArn"])
                    assert sorted(tags["Tags"], key=lambda t: t["Key"]) == sent
                else:
                    assert stored[key] == sent, f"{call['AlarmName']}.{key}"
        for call in dashboard_calls:
            stored = cloudwatch.get_dashboard(DashboardName=call["DashboardName"])
            assert stored["DashboardBody"] == call["DashboardBody"]


def test_a_composite_naming_a_missing_alarm_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The composite handler makes CloudWatch's existence check, so the replay means something."""
    with moto_gaps_filled(monkeypatch), mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        with pytest.raises(Exception, match="does not exist"):
            cloudwatch.put_composite_alarm(AlarmName="c", AlarmRule='ALARM("nowhere")')


def test_the_model_check_finds_what_botocore_lets_through() -> None:
    call = {
        "AlarmName": "x",
        "ComparisonOperator": "BiggerThan",
        "EvaluationPeriods": 1,
        "AlarmDescription": "d" * 1025,
        "Namespace": ":bad",
    }
    problems = check_against_model("cloudwatch", "PutMetricAlarm", call)
    assert len(problems) == 3
    assert documented_alarm_rules(
        {"EvaluationPeriods": 1000, "Period": 90, "Statistic": "Sum"}
    ) == [
        "period 90 is not 10, 20, 30 or a multiple of 60",
        "period x evaluation periods = 90000 s, above 86400 s",
    ]
    assert documented_alarm_rules(
        {"EvaluationPeriods": 1, "Metrics": [{"Id": "Ratio", "Expression": "1"}]}
    ) == ["metric id 'Ratio' must start with a lowercase letter"]
