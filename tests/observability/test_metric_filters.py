"""The log contract's metric filters, fed sample lines: what matches, and what it publishes.

Lines are shaped as Container Insights' Fluent Bit ships them (the server's JSON line in
``log`` and, parsed, under ``log_processed``, beside ``kubernetes`` metadata).
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.log_metrics import LOG_METRICS, NAMESPACE, ErrorClass, Outcome, metric
from tests.observability.built_observability import built
from tests.observability.cloudwatch_api import (
    METRIC_ALARM,
    METRIC_FILTER,
    check_against_model,
    put_metric_filter,
)
from tests.observability.filter_patterns import PatternError, compile_pattern
from tests.observability.moto_gaps import moto_gaps_filled

REGION = "eu-west-1"
DOC = Path(__file__).resolve().parents[2] / "docs" / "observability.md"


def app_line(event: str, **fields: Any) -> dict[str, Any]:
    line = {
        "timestamp": "2026-11-26T18:04:42.386Z",
        "level": "info",
        "event": event,
        "request_id": "42",
        "correlation_id": "c0ffee00-0000-4000-8000-000000000001",
        "environment": "prod",
        "tenant": "storefront",
        "server": "github",
    }
    line.update(fields)
    return line


def shipped(line: dict[str, Any]) -> str:
    """The log event Container Insights' Fluent Bit writes for one JSON stdout line."""
    return json.dumps(
        {
            "time": "2026-11-26T18:04:42.386999Z",
            "stream": "stdout",
            "_p": "F",
            "log": json.dumps(line),
            "log_processed": line,
            "kubernetes": {
                "pod_name": f"{line.get('server', 'x')}-7d9f8b6c5-abcde",
                "namespace_name": f"mcp-{line.get('tenant', 'x')}",
                "container_name": "mcp-server",
                "host": "ip-10-0-1-23.eu-west-1.compute.internal",
            },
        }
    )


def call(
    outcome: Outcome, duration: float = 120, error_class: ErrorClass | None = None, **kw: Any
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "tool": "search_issues",
        "outcome": outcome.value,
        "duration_ms": duration,
    }
    if error_class is not None:
        fields["error_class"] = error_class.value
    return app_line("tool_call", **fields, **kw)


def decision(value: str) -> dict[str, Any]:
    return app_line(
        "policy_decision",
        tool="create_issue",
        policy="github.writes-need-approval",
        decision=value,
        principal="user:4f1c",
        reason="writes to default branches need a second person",
    )


def dependency(status: str) -> dict[str, Any]:
    return app_line("dependency_check", dependency="github-api", status=status, duration_ms=80)


SUCCESS = call(Outcome.SUCCESS)
ERROR = call(Outcome.ERROR, 2000, ErrorClass.DEPENDENCY)
REJECTED = call(Outcome.REJECTED, 3, ErrorClass.INVALID_PARAMS)
DENY, ALLOW, HOLD = decision("deny"), decision("allow"), decision("require_approval")
DOWN, UP = dependency("down"), dependency("up")
SAMPLES = [SUCCESS, ERROR, REJECTED, DENY, ALLOW, HOLD, DOWN, UP]

EXPECTED_MATCHES = {
    "tool-calls": [SUCCESS, ERROR, REJECTED],
    "tool-errors": [ERROR],
    "tool-rejections": [REJECTED],
    "tool-latency": [SUCCESS, ERROR, REJECTED],
    "tool-errors-by-class": [ERROR, REJECTED],
    "policy-denials": [DENY],
    "approvals": [HOLD],
    "dependency-failures": [DOWN],
}


def test_every_filter_has_an_expectation() -> None:
    assert set(EXPECTED_MATCHES) == {m.key for m in LOG_METRICS}


@pytest.mark.parametrize("log_metric", LOG_METRICS, ids=lambda m: m.key)
def test_filter_pattern_matches_exactly_its_lines(
    log_metric: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = [shipped(line) for line in SAMPLES] + [
        "plain text from some other container",
        json.dumps({"log": "not json", "stream": "stderr"}),
    ]
    with moto_gaps_filled(monkeypatch), mock_aws():
        logs = boto3.client("logs", region_name=REGION)
        result = logs.test_metric_filter(
            filterPattern=log_metric.pattern, logEventMessages=messages
        )
    matched = [json.loads(m["eventMessage"])["log_processed"] for m in result["matches"]]
    assert matched == EXPECTED_MATCHES[log_metric.key]
    for match in result["matches"]:
        extracted = match["extractedValues"]
        assert (
            extracted["$.log_processed.event"]
            == json.loads(match["eventMessage"])["log_processed"]["event"]
        )


def test_a_line_without_the_fluent_bit_envelope_is_not_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server's raw line (not nested by Fluent Bit) must not match: the patterns read
    log_processed, so a wrong collector configuration shows as no data, not as wrong data."""
    with moto_gaps_filled(monkeypatch), mock_aws():
        logs = boto3.client("logs", region_name=REGION)
        result = logs.test_metric_filter(
            filterPattern=metric("tool-calls").pattern, logEventMessages=[json.dumps(SUCCESS)]
        )
    assert result["matches"] == []


def test_patterns_outside_the_documented_grammar_are_refused() -> None:
    for bad in ('$.a = "x"', '{ $.a ~ "x" }', "{ $.a = }", '{ ($.a = "x" }'):
        with pytest.raises(PatternError):
            compile_pattern(bad)
    wildcard = compile_pattern('{ $.log_processed.tool = "search_*" && $.x NOT EXISTS }')
    assert wildcard.matches(shipped(SUCCESS))


def _doc_examples() -> dict[str, dict[str, Any]]:
    blocks = re.findall(r"```json\n(.*?)\n```", DOC.read_text(), re.DOTALL)
    examples = [json.loads(block) for block in blocks]
    return {example["event"]: example for example in examples if "event" in example}


def test_the_documented_example_lines_are_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    examples = _doc_examples()
    assert {"tool_call", "policy_decision", "dependency_check"} <= set(examples)
    with moto_gaps_filled(monkeypatch), mock_aws():
        logs = boto3.client("logs", region_name=REGION)

        def matches(key: str, event: str) -> bool:
            result = logs.test_metric_filter(
                filterPattern=metric(key).pattern, logEventMessages=[shipped(examples[event])]
            )
            return bool(result["matches"])

        assert matches("tool-calls", "tool_call")
        assert matches("tool-latency", "tool_call")
        assert matches("policy-denials", "policy_decision") or matches(
            "approvals", "policy_decision"
        )
        assert matches("dependency-failures", "dependency_check")


def _stats(cloudwatch: Any, name: str, dimensions: dict[str, str], stat: str = "Sum") -> float:
    now = datetime.now(tz=UTC)
    points = cloudwatch.get_metric_statistics(
        Namespace=NAMESPACE,
        MetricName=name,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=5),
        Period=3600,
        Statistics=[stat],
    )["Datapoints"]
    return sum(point[stat] for point in points) if stat == "Sum" else max(p[stat] for p in points)


def test_rendered_filters_publish_what_the_alarms_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """prod's filters, created through the API, turn shipped lines into the alarms' metrics."""
    stack = built("prod")
    calls = [put_metric_filter(r["inputs"]) for r in stack.of_type(METRIC_FILTER)]
    filters = [c for c in calls if c["metricTransformations"][0]["metricNamespace"] == NAMESPACE]
    assert len(filters) == len(LOG_METRICS)
    for call_params in filters:
        assert check_against_model("logs", "PutMetricFilter", call_params) == []
    group = filters[0]["logGroupName"]
    assert group == "/aws/containerinsights/platform-prod/application"

    lines = [SUCCESS] * 7 + [ERROR] * 2 + [REJECTED, DENY, HOLD, ALLOW, DOWN, UP]
    lines.append(call(Outcome.SUCCESS, server="slack"))
    with moto_gaps_filled(monkeypatch), mock_aws():
        logs = boto3.client("logs", region_name=REGION)
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="node-1-application")
        for params in filters:
            logs.put_metric_filter(**params)
        stamp = int(time.time() * 1000)
        logs.put_log_events(
            logGroupName=group,
            logStreamName="node-1-application",
            logEvents=[{"timestamp": stamp, "message": shipped(line)} for line in lines],
        )
        # Every metric carries the tenant (issue 12); exact dimension sets, as CloudWatch needs.
        github = {"Environment": "prod", "Tenant": "storefront", "Server": "github"}
        assert _stats(cloudwatch, "ToolCalls", github) == 10
        assert _stats(cloudwatch, "ToolErrors", github) == 2
        assert _stats(cloudwatch, "ToolRejections", github) == 1
        assert _stats(cloudwatch, "ToolLatency", github, "Maximum") == 2000
        assert _stats(cloudwatch, "PolicyDenials", github) == 1
        assert _stats(cloudwatch, "Approvals", github) == 1
        assert _stats(cloudwatch, "DependencyCheckFailures", github) == 1
        slack = {**github, "Server": "slack"}
        assert _stats(cloudwatch, "ToolCalls", slack) == 1
        # The error class takes the environment's place: three dimensions at most.
        by_class = {"Tenant": "storefront", "Server": "github", "ErrorClass": "dependency"}
        assert _stats(cloudwatch, "ToolErrorsByClass", by_class) == 2

        # Every log metric an alarm of prod reads, with its dimensions, has data now.
        read = {
            (q["metric"]["metricName"], tuple(sorted(q["metric"]["dimensions"].items())))
            for alarm in stack.of_type(METRIC_ALARM)
            for q in alarm["inputs"].get("metricQueries", [])
            if q.get("metric", {}).get("namespace") == NAMESPACE
            and q["metric"]["dimensions"].get("Server") == "github"
        }
        assert read == {
            (name, (("Environment", "prod"), ("Server", "github"), ("Tenant", "storefront")))
            for name in ("ToolCalls", "ToolErrors", "ToolRejections")
        }
        for name, dimensions in read:
            assert _stats(cloudwatch, name, dict(dimensions)) > 0
