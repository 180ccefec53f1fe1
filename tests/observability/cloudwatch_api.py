"""Rendered Pulumi inputs as the CloudWatch API calls the provider makes from them.

The provider turns ``aws:cloudwatch/metricAlarm:MetricAlarm`` inputs into ``PutMetricAlarm``
and so on; this is that mapping for the fields the program uses. An input it does not know
raises, so a new field cannot slip past the API check unexamined.

``check_against_model`` adds what botocore's own validation leaves out on purpose (it checks
types, required members and minimums): enums, maximum lengths and values, and patterns (matched whole, as the service does), all
read from the same service model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StructureShape

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
METRIC_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"


def _tags(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted((tags or {}).items())]


def _dimensions(dimensions: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in sorted((dimensions or {}).items())]


def _take(inputs: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    unknown = set(inputs) - set(mapping)
    if unknown:
        raise KeyError(f"no API mapping for input(s) {sorted(unknown)}")
    return {mapping[k]: v for k, v in inputs.items() if v is not None}


def _metric_query(query: Mapping[str, Any]) -> dict[str, Any]:
    out = _take(
        {k: v for k, v in query.items() if k != "metric"},
        {
            "id": "Id",
            "expression": "Expression",
            "label": "Label",
            "returnData": "ReturnData",
            "period": "Period",
            "accountId": "AccountId",
        },
    )
    if "metric" in query:
        metric = dict(query["metric"])
        stat = _take(
            {k: v for k, v in metric.items() if k not in ("dimensions",)},
            {
                "namespace": "Namespace",
                "metricName": "MetricName",
                "period": "Period",
                "stat": "Stat",
                "unit": "Unit",
            },
        )
        out["MetricStat"] = {
            "Metric": {
                "Namespace": stat.pop("Namespace"),
                "MetricName": stat.pop("MetricName"),
                "Dimensions": _dimensions(metric.get("dimensions")),
            },
            **stat,
        }
    return out


def put_metric_alarm(inputs: Mapping[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in inputs.items() if k not in ("tags", "dimensions", "metricQueries")}
    call = _take(
        rest,
        {
            "name": "AlarmName",
            "alarmDescription": "AlarmDescription",
            "actionsEnabled": "ActionsEnabled",
            "alarmActions": "AlarmActions",
            "okActions": "OKActions",
            "insufficientDataActions": "InsufficientDataActions",
            "comparisonOperator": "ComparisonOperator",
            "evaluationPeriods": "EvaluationPeriods",
            "datapointsToAlarm": "DatapointsToAlarm",
            "threshold": "Threshold",
            "treatMissingData": "TreatMissingData",
            "evaluateLowSampleCountPercentiles": "EvaluateLowSampleCountPercentile",
            "metricName": "MetricName",
            "namespace": "Namespace",
            "period": "Period",
            "statistic": "Statistic",
            "extendedStatistic": "ExtendedStatistic",
            "unit": "Unit",
            "thresholdMetricId": "ThresholdMetricId",
        },
    )
    if "Threshold" in call:
        call["Threshold"] = float(call["Threshold"])
    if inputs.get("dimensions"):
        call["Dimensions"] = _dimensions(inputs["dimensions"])
    if inputs.get("metricQueries"):
        call["Metrics"] = [_metric_query(q) for q in inputs["metricQueries"]]
    call["Tags"] = _tags(inputs.get("tags"))
    return call


def put_composite_alarm(inputs: Mapping[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in inputs.items() if k not in ("tags", "actionsSuppressor")}
    call = _take(
        rest,
        {
            "alarmName": "AlarmName",
            "alarmRule": "AlarmRule",
            "alarmDescription": "AlarmDescription",
            "actionsEnabled": "ActionsEnabled",
            "alarmActions": "AlarmActions",
            "okActions": "OKActions",
            "insufficientDataActions": "InsufficientDataActions",
        },
    )
    suppressor = inputs.get("actionsSuppressor")
    if suppressor:
        call["ActionsSuppressor"] = suppressor["alarm"]
        call["ActionsSuppressorWaitPeriod"] = suppressor["waitPeriod"]
        call["ActionsSuppressorExtensionPeriod"] = suppressor["extensionPeriod"]
    call["Tags"] = _tags(inputs.get("tags"))
    return call


def put_dashboard(inputs: Mapping[str, Any]) -> dict[str, Any]:
    return _take(inputs, {"dashboardName": "DashboardName", "dashboardBody": "DashboardBody"})


def put_metric_filter(inputs: Mapping[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in inputs.items() if k != "metricTransformation"}
    call = _take(
        rest, {"name": "filterName", "logGroupName": "logGroupName", "pattern": "filterPattern"}
    )
    transformation = dict(inputs["metricTransformation"])
    mapped = _take(
        transformation,
        {
            "name": "metricName",
            "namespace": "metricNamespace",
            "value": "metricValue",
            "defaultValue": "defaultValue",
            "dimensions": "dimensions",
            "unit": "unit",
        },
    )
    call["metricTransformations"] = [mapped]
    return call


# -- the service model's constraints that botocore does not check ---------------------------

_session = botocore.session.get_session()


def check_against_model(service: str, operation: str, params: Mapping[str, Any]) -> list[str]:
    """Every enum, max and pattern the model states for ``params``; [] when all hold."""
    shape = _session.get_service_model(service).operation_model(operation).input_shape
    assert shape is not None
    problems: list[str] = []
    _check(shape, params, operation, problems)
    return problems


NUMBERS = ("integer", "long", "double", "float")


def _check(shape: Shape, value: Any, where: str, problems: list[str]) -> None:
    meta = shape.metadata
    if isinstance(shape, StructureShape):
        for name, member in shape.members.items():
            if name in value:
                _check(member, value[name], f"{where}.{name}", problems)
        return
    if isinstance(shape, ListShape):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{where}: {len(value)} items, at most {meta['max']}")
        for index, item in enumerate(value):
            _check(shape.member, item, f"{where}[{index}]", problems)
        return
    if isinstance(shape, MapShape):
        for key, item in value.items():
            _check(shape.key, key, f"{where} key", problems)
            _check(shape.value, item, f"{where}[{key}]", problems)
        return
    if shape.type_name == "string":
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            problems.append(f"{where}: {value!r} is not one of {enum}")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{where}: {len(value)} characters, at most {meta['max']}")
        if "pattern" in meta and not re.fullmatch(meta["pattern"], value, re.DOTALL):
            problems.append(f"{where}: {value!r} does not match {meta['pattern']}")
    elif shape.type_name in NUMBERS and "max" in meta and value > meta["max"]:
        problems.append(f"{where}: {value} is above {meta['max']}")


METRIC_ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")
DASHBOARD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


def _period_ok(period: int) -> bool:
    return period in (10, 20, 30) or (period > 0 and period % 60 == 0)


def documented_alarm_rules(call: Mapping[str, Any]) -> list[str]:
    """PutMetricAlarm rules the API reference states in words rather than in the model."""
    problems = []
    periods = [call["Period"]] if "Period" in call else []
    periods += [m["MetricStat"]["Period"] for m in call.get("Metrics", []) if "MetricStat" in m]
    for period in periods:
        if not _period_ok(period):
            problems.append(f"period {period} is not 10, 20, 30 or a multiple of 60")
        total = period * call["EvaluationPeriods"]
        limit = 86_400 if period < 3600 else 604_800
        if total > limit:
            problems.append(f"period x evaluation periods = {total} s, above {limit} s")
    if call.get("DatapointsToAlarm", 1) > call["EvaluationPeriods"]:
        problems.append("DatapointsToAlarm exceeds EvaluationPeriods")
    metrics = call.get("Metrics", [])
    if metrics:
        if any(k in call for k in ("MetricName", "Namespace", "Period", "Statistic", "Dimensions")):
            problems.append("a metric-math alarm may not also name a single metric")
        returned = [m["Id"] for m in metrics if m.get("ReturnData", True)]
        if len(returned) != 1:
            problems.append(f"exactly one query returns data, not {returned}")
        for m in metrics:
            if not METRIC_ID.match(m["Id"]):
                problems.append(f"metric id {m['Id']!r} must start with a lowercase letter")
            if ("Expression" in m) == ("MetricStat" in m):
                problems.append(f"{m['Id']}: either Expression or MetricStat, not both/neither")
    elif ("Statistic" in call) == ("ExtendedStatistic" in call):
        problems.append("a single-metric alarm names Statistic or ExtendedStatistic, one of them")
    return problems
