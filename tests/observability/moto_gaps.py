"""What moto 5.2.5 lacks for these tests, filled in its own backends for one test at a time.

- ``PutCompositeAlarm`` is not implemented (``describe_alarms`` can return composite alarms,
  nothing can create one). The handler here stores the composite in moto's alarm backend
  with every field, after the checks CloudWatch makes: the alarms its rule and its actions
  suppressor name must exist.
- ``TestMetricFilter`` is not implemented, and metric filters never turn ``PutLogEvents``
  into metric data. Both are done here with ``filter_patterns``.

Requests still go through boto3 (parameter validation against the service model and the
wire protocol) and responses through moto's serializer and boto3's parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from moto.cloudwatch import responses as cloudwatch_responses
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.responses import EmptyResult
from moto.logs import models as logs_models
from moto.logs import responses as logs_responses

from tests.observability.filter_patterns import (
    compile_pattern,
    dimension_values,
    metric_value,
)

RULE_REFERENCE = re.compile(r'\b(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*"?([^")]+?)"?\s*\)')


class CloudWatchRefused(Exception):
    pass


def _put_composite_alarm(self: Any) -> EmptyResult:
    param = self._get_param
    backend = self.cloudwatch_backend
    known = {alarm.name for alarm in backend.alarms.values()} | {
        alarm.alarm_arn for alarm in backend.alarms.values()
    }
    rule = param("AlarmRule")
    for referenced in RULE_REFERENCE.findall(rule):
        if referenced not in known:
            raise CloudWatchRefused(f"AlarmRule names {referenced!r}, which does not exist")
    suppressor = param("ActionsSuppressor")
    if suppressor is not None and suppressor not in known:
        raise CloudWatchRefused(f"ActionsSuppressor {suppressor!r} does not exist")
    alarm = backend.put_metric_alarm(
        name=param("AlarmName"),
        namespace=None,
        metric_name=None,
        comparison_operator=None,
        evaluation_periods=None,
        period=None,
        threshold=None,
        statistic=None,
        description=param("AlarmDescription"),
        dimensions=[],
        alarm_actions=param("AlarmActions", []),
        ok_actions=param("OKActions", []),
        insufficient_data_actions=param("InsufficientDataActions", []),
        actions_enabled=self._get_bool_param("ActionsEnabled"),
        rule=rule,
        tags=param("Tags", []),
    )
    alarm.actions_suppressor = suppressor
    alarm.actions_suppressor_wait_period = param("ActionsSuppressorWaitPeriod")
    alarm.actions_suppressor_extension_period = param("ActionsSuppressorExtensionPeriod")
    return EmptyResult()


def _test_metric_filter(self: Any) -> str:
    import json

    body = json.loads(self.body)
    pattern = compile_pattern(body["filterPattern"])
    matches = [
        {
            "eventNumber": number,
            "eventMessage": message,
            "extractedValues": pattern.extracted_values(message),
        }
        for number, message in enumerate(body["logEventMessages"], start=1)
        if pattern.matches(message)
    ]
    return json.dumps({"matches": matches})


def _publish_metric_filters(
    backend: Any, log_group_name: str, events: list[dict[str, Any]]
) -> None:
    """What CloudWatch Logs does after ingesting events: each matching filter adds a datapoint."""
    filters = backend.filters.get_matching_filters(log_group_name=log_group_name)
    metrics = cloudwatch_backends[backend.account_id][backend.region_name]
    for metric_filter in filters:
        pattern = compile_pattern(metric_filter["filterPattern"])
        for transformation in metric_filter["metricTransformations"]:
            for event in events:
                message = event["message"]
                if not pattern.matches(message):
                    continue
                value = metric_value(transformation["metricValue"], message)
                dimensions = dimension_values(transformation.get("dimensions") or {}, message)
                if value is None or dimensions is None:
                    continue
                datum: dict[str, Any] = {
                    "MetricName": transformation["metricName"],
                    "Value": value,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(dimensions.items())],
                    # moto keeps metric timestamps as naive UTC (its utcnow()).
                    "Timestamp": datetime.fromtimestamp(event["timestamp"] / 1000, tz=UTC).replace(
                        tzinfo=None
                    ),
                }
                if transformation.get("unit"):
                    datum["Unit"] = transformation["unit"]
                metrics.put_metric_data(transformation["metricNamespace"], [datum])


@contextmanager
def moto_gaps_filled(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Install the handlers for the duration of one test (monkeypatch undoes them)."""
    monkeypatch.setattr(
        cloudwatch_responses.CloudWatchResponse,
        "put_composite_alarm",
        _put_composite_alarm,
        raising=False,
    )
    monkeypatch.setattr(
        logs_responses.LogsResponse, "test_metric_filter", _test_metric_filter, raising=False
    )
    original = logs_models.LogsBackend.put_log_events

    def put_log_events(
        self: Any, log_group_name: str, log_stream_name: str, log_events: list[dict[str, Any]]
    ) -> Any:
        result = original(self, log_group_name, log_stream_name, log_events)
        _publish_metric_filters(self, log_group_name, log_events)
        return result

    monkeypatch.setattr(logs_models.LogsBackend, "put_log_events", put_log_events)
    yield
