"""The gateway's metric filters fed access-log lines: what each counts, and what prod publishes.

Patterns are evaluated by filter_patterns.py (CloudWatch's documented JSON pattern syntax)
behind moto's TestMetricFilter and PutLogEvents.
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

from components.gateway_metrics import (
    DEFAULT_GATEWAY_NAMESPACE,
    DENIAL_REASONS,
    GATEWAY_METRICS,
    GatewayMetric,
    gateway_metric,
    metric_namespace,
)
from components.platform_args import GATEWAY_NAMESPACE
from gateway.log_format import FIELDS
from tests.observability.built_observability import built
from tests.observability.cloudwatch_api import (
    METRIC_FILTER,
    check_against_model,
    put_metric_filter,
)
from tests.observability.filter_patterns import compile_pattern
from tests.observability.gateway_lines import gateway_line, shipped
from tests.observability.moto_gaps import moto_gaps_filled

REGION = "eu-west-1"
GATEWAY_PROD = "McpFleet/Gateway/prod"

OK = gateway_line()
SLOW = gateway_line(tool="get_issue", latency_ms=2400)
FAILED = gateway_line(status=502, latency_ms=30_000, termination="sH")
LIST = gateway_line(method="tools/list", tool="-")
UNAUTHENTICATED = gateway_line(status=401, denial="unauthenticated", sub="-", tenant="-")
FORBIDDEN = gateway_line(status=403, denial="forbidden-tenant", tenant="research")
UNAPPROVED = gateway_line(status=200, denial="tool-not-approved", tool="drop_database")
LIMITED = gateway_line(status=429, denial="rate-limited")
SESSION_GONE = gateway_line(status=404, latency_ms=4, upstream_ms=3, replica="r1")
"""A live replica's "Session not found" for a session its dead peer held (tests/lab)."""
NO_ROUTE = gateway_line(
    status=404, server="-", tenant="-", method="initialize", tool="-", replica="<NOSRV>"
)
"""The gateway's own 404 for a path no route serves: nobody's session, nobody's SLO."""
SAMPLES = [
    OK, SLOW, FAILED, LIST, UNAUTHENTICATED, FORBIDDEN, UNAPPROVED, LIMITED, SESSION_GONE, NO_ROUTE
]  # fmt: skip
DENIED = [UNAUTHENTICATED, FORBIDDEN, UNAPPROVED, LIMITED]

EXPECTED_MATCHES = {
    "gateway-requests": SAMPLES,
    "gateway-tool-calls": [OK, SLOW, FAILED, SESSION_GONE],
    "gateway-tool-errors": [FAILED],
    "gateway-latency": [OK, SLOW, FAILED, SESSION_GONE],
    "gateway-tool-calls-by-tool": [OK, SLOW, FAILED, SESSION_GONE],
    "gateway-tool-errors-by-tool": [FAILED],
    "gateway-latency-by-tool": [OK, SLOW, FAILED, SESSION_GONE],
    "gateway-admitted-requests": [OK, SLOW, FAILED, LIST, SESSION_GONE],
    "gateway-server-errors": [FAILED],
    "gateway-session-errors": [SESSION_GONE],
    "gateway-denials": DENIED,
}


def test_every_gateway_filter_has_an_expectation() -> None:
    assert set(EXPECTED_MATCHES) == {m.key for m in GATEWAY_METRICS}


def test_the_filters_read_only_fields_the_gateway_logs() -> None:
    logged = {name for name, _ in FIELDS}
    for each in GATEWAY_METRICS:
        assert set(each.dimension_fields.values()) <= logged, each.key
        assert len(each.dimensions) <= 3, "CloudWatch allows 3 dimensions per filter"
    assert DEFAULT_GATEWAY_NAMESPACE == GATEWAY_NAMESPACE


@pytest.mark.parametrize("each", GATEWAY_METRICS, ids=lambda m: m.key)
def test_gateway_filter_matches_exactly_its_lines(
    each: GatewayMetric, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_line = {**OK, "event": "tool_call", "outcome": "error", "denial": "x"}
    messages = [shipped(line) for line in SAMPLES] + [
        shipped(server_line, namespace="mcp-storefront"),
        json.dumps(OK),
        "plain text",
    ]
    with moto_gaps_filled(monkeypatch), mock_aws():
        logs = boto3.client("logs", region_name=REGION)
        result = logs.test_metric_filter(
            filterPattern=each.pattern(DEFAULT_GATEWAY_NAMESPACE),
            logEventMessages=messages,
        )
    matched = [json.loads(m["eventMessage"])["log_processed"] for m in result["matches"]]
    assert matched == EXPECTED_MATCHES[each.key]


def _stats(
    cloudwatch: Any, namespace: str, name: str, dimensions: dict[str, str], stat: str = "Sum"
) -> float:
    now = datetime.now(tz=UTC)
    points = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=name,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=5),
        Period=3600,
        Statistics=[stat],
    )["Datapoints"]
    if stat == "Sum":
        return sum(point[stat] for point in points)
    return max(point[stat] for point in points)


def _prod_gateway_filters() -> list[dict[str, Any]]:
    calls = [put_metric_filter(r["inputs"]) for r in built("prod").of_type(METRIC_FILTER)]
    return [c for c in calls if c["metricTransformations"][0]["metricNamespace"] == GATEWAY_PROD]


def test_prod_gateway_filters_publish_per_tenant_server_tool_and_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    filters = _prod_gateway_filters()
    assert len(filters) == len(GATEWAY_METRICS)
    for params in filters:
        assert check_against_model("logs", "PutMetricFilter", params) == []
    group = filters[0]["logGroupName"]
    assert group == "/aws/containerinsights/platform-prod/application"
    namespace = metric_namespace("prod")
    assert namespace == GATEWAY_PROD

    lines = [OK] * 6 + [SLOW, FAILED, FAILED, LIST, *DENIED, gateway_line(server="slack")]
    with moto_gaps_filled(monkeypatch), mock_aws():
        logs = boto3.client("logs", region_name=REGION)
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="node-1-application")
        for params in filters:
            logs.put_metric_filter(**params)
        logs.put_log_events(
            logGroupName=group,
            logStreamName="node-1-application",
            logEvents=[
                {"timestamp": int(time.time() * 1000), "message": shipped(line)} for line in lines
            ],
        )
        github = {"Server": "github", "Tenant": "storefront"}
        assert _stats(cloudwatch, namespace, "ToolCalls", github) == 9
        assert _stats(cloudwatch, namespace, "ToolErrors", github) == 2
        assert _stats(cloudwatch, namespace, "Latency", github, "Maximum") == 30_000
        assert _stats(cloudwatch, namespace, "Requests", github) == 12
        by_tool = {**github, "Tool": "search_issues"}
        assert _stats(cloudwatch, namespace, "ToolCallsByTool", by_tool) == 8
        assert _stats(cloudwatch, namespace, "ToolErrorsByTool", by_tool) == 2
        assert (
            _stats(
                cloudwatch, namespace, "LatencyByTool", {**github, "Tool": "get_issue"}, "Maximum"
            )
            == 2400
        )
        assert _stats(cloudwatch, namespace, "ToolCallsByTool", {**by_tool, "Server": "slack"}) == 1
        for line in DENIED:
            reason = {"Server": "github", "Tenant": line["tenant"], "Reason": line["denial"]}
            assert _stats(cloudwatch, namespace, "Denials", reason) == 1
        # A denied call's tool (whatever the client sent) never becomes a dimension value.
        assert (
            _stats(cloudwatch, namespace, "ToolCallsByTool", {**github, "Tool": "drop_database"})
            == 0
        )
        # Another environment's namespace stays empty: the environment is in the namespace.
        assert _stats(cloudwatch, metric_namespace("dev"), "ToolCalls", github) == 0


def test_every_denial_reason_of_the_gateway_is_known() -> None:
    from gateway import frontend

    source = Path(frontend.__file__).read_text()
    for reason in DENIAL_REASONS:
        assert f"str {reason}" in source, reason


def test_the_documented_gateway_line_is_a_real_line_and_counted() -> None:
    doc = Path(__file__).resolve().parents[2] / "docs" / "observability.md"
    blocks = re.findall(r"```json\n(.*?)\n```", doc.read_text(), re.DOTALL)
    (example,) = [json.loads(b) for b in blocks if "denial" in json.loads(b)]
    assert list(example) == [name for name, _ in FIELDS]
    message = shipped(example)
    for key in ("gateway-requests", "gateway-tool-calls", "gateway-latency"):
        pattern = compile_pattern(gateway_metric(key).pattern(DEFAULT_GATEWAY_NAMESPACE))
        assert pattern.matches(message), key
