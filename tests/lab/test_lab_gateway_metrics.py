"""The gateway's metric filters read the lab gateway's real access-log lines.

The lines the real HAProxy writes for an admitted tool call and for two denials are shipped as
Container Insights would (tests/observability/gateway_lines.py) and run through every gateway
filter with the CloudWatch pattern evaluator: which metrics each line feeds, with which
dimensions and value.
"""

from __future__ import annotations

import os
from typing import Any

import anyio
import httpx
import pytest

from components.gateway_metrics import DEFAULT_GATEWAY_NAMESPACE, GATEWAY_METRICS
from tests.lab.mcp_client import mcp_session, structured
from tests.lab.running_lab import RunningLab, wait_for
from tests.observability.filter_patterns import compile_pattern, dimension_values, metric_value
from tests.observability.gateway_lines import shipped

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("lab")]

MCP_HEADERS = {"Accept": "application/json, text/event-stream"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "metrics-test", "version": "1"},
    },
}


def _traceparent() -> tuple[str, str]:
    trace_id = os.urandom(16).hex()
    return trace_id, f"00-{trace_id}-{os.urandom(8).hex()}-01"


def _logged(lab: RunningLab, trace_id: str) -> list[dict[str, Any]]:
    return [
        line
        for gateway in ("gw0", "gw1")
        for line in lab.log_lines(gateway)
        if line["trace_id"] == trace_id
    ]


def _published(line: dict[str, Any]) -> dict[str, tuple[dict[str, str] | None, float | None]]:
    """Filter key -> (dimensions, value) for every gateway filter the line matches."""
    message = shipped(line, DEFAULT_GATEWAY_NAMESPACE)
    found = {}
    for gateway_metric in GATEWAY_METRICS:
        if compile_pattern(gateway_metric.pattern(DEFAULT_GATEWAY_NAMESPACE)).matches(message):
            found[gateway_metric.key] = (
                dimension_values(gateway_metric.dimensions, message),
                metric_value(gateway_metric.value, message),
            )
    return found


def test_real_lines_feed_the_gateway_metrics(dev_lab: RunningLab) -> None:
    url = dev_lab.servers["docs-search"]
    called, traceparent = _traceparent()

    async def call() -> None:
        token = dev_lab.token("research", "docs-search")
        async with mcp_session(url, token, {"traceparent": traceparent}) as session:
            structured(await session.call_tool("whoami", {}))

    anyio.run(call)
    denied: dict[str, str] = {}
    for reason, token in (
        ("unauthenticated", None),
        ("forbidden-tenant", dev_lab.token("storefront", "github")),
    ):
        trace_id, header = _traceparent()
        headers = {**MCP_HEADERS, "traceparent": header}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        answer = httpx.post(url, json=INITIALIZE, headers=headers, timeout=10)
        assert answer.status_code in (401, 403), answer.text
        denied[reason] = trace_id

    def tool_line() -> list[dict[str, Any]]:
        return [line for line in _logged(dev_lab, called) if line["method"] == "tools/call"]

    wait_for(lambda: bool(tool_line()), "the tool call's access-log line")
    wait_for(
        lambda: all(_logged(dev_lab, trace_id) for trace_id in denied.values()),
        "the denials' access-log lines",
    )

    (line,) = tool_line()
    published = _published(line)
    server = {"Tenant": "research", "Server": "docs-search"}
    assert set(published) == {
        "gateway-requests", "gateway-tool-calls", "gateway-latency",
        "gateway-tool-calls-by-tool", "gateway-latency-by-tool", "gateway-admitted-requests",
    }  # fmt: skip
    assert published["gateway-tool-calls"] == (server, 1.0)
    assert published["gateway-tool-calls-by-tool"] == ({**server, "Tool": "whoami"}, 1.0)
    assert published["gateway-latency"] == (server, float(line["latency_ms"]))

    for reason, trace_id in denied.items():
        (refused,) = _logged(dev_lab, trace_id)
        published = _published(refused)
        assert set(published) == {"gateway-requests", "gateway-denials"}, reason
        dimensions, value = published["gateway-denials"]
        assert dimensions is not None and dimensions["Reason"] == reason
        assert value == 1.0
