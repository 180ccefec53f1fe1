"""The reference server's spans, straight to a local OTLP receiver (no gateway, no HAProxy)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from lab import processes
from lab.errors import LabError
from lab.ports import free_ports
from lab.stack import PROJECT_DIR
from lab.tracing import exporting
from tests.lab.mcp_client import mcp_session, structured
from tests.lab.otlp_receiver import OtlpReceiver, ReceivedSpan, otlp_receiver
from tests.lab.running_lab import wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    with otlp_receiver() as started:
        yield started


def _start(tmp_path: Path, env: dict[str, str]) -> tuple[processes.StartedProcess, str]:
    (port,) = free_ports(1)
    argv = [sys.executable, "-m", "lab.reference_server", "--server", "docs", "--replica", "r1"]
    argv += ["--port", str(port), "--kind", "stateless"]
    log = tmp_path / "server.log"
    started = processes.start("docs-r1", argv, log, {"PYTHONPATH": str(PROJECT_DIR), **env})
    probe = processes.http_probe(f"http://127.0.0.1:{port}/readyz")
    processes.wait_until({"docs-r1": probe}, {"docs-r1": started}, timeout=60)
    return started, f"http://127.0.0.1:{port}/mcp"


def _call_whoami(url: str, traceparent: str) -> dict[str, object]:
    async def scenario() -> dict[str, object]:
        async with mcp_session(url, headers={"traceparent": traceparent}) as session:
            return dict(structured(await session.call_tool("whoami", {})))

    return anyio.run(scenario)


def _tool_spans(receiver: OtlpReceiver) -> list[ReceivedSpan]:
    return [span for span in receiver.spans() if span.attributes.get("mcp.tool") == "whoami"]


def test_spans_continue_the_incoming_traceparent(tmp_path: Path, receiver: OtlpReceiver) -> None:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "50"}
    env["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment=lab"
    server, url = _start(tmp_path, env)
    trace_id, parent = os.urandom(16).hex(), os.urandom(8).hex()
    try:
        _call_whoami(url, f"00-{trace_id}-{parent}-01")
        wait_for(lambda: len(_tool_spans(receiver)) == 2, "the request and tool spans")
    finally:
        processes.stop([server])
    tool, request = sorted(_tool_spans(receiver), key=lambda span: span.name)
    assert (request.name, tool.name) == ("tools/call whoami", "tool whoami")
    assert request.kind == 2  # SPAN_KIND_SERVER: the MCP SDK's span per message
    assert request.trace_id == tool.trace_id == trace_id
    assert request.parent_span_id == parent  # the caller's span, as the gateway forwards it
    assert tool.parent_span_id == request.span_id
    assert request.attributes["mcp.method"] == tool.attributes["mcp.method"] == "tools/call"
    assert request.resource["service.name"] == "docs"
    assert request.resource["service.instance.id"] == "docs-r1"
    assert request.resource["deployment.environment"] == "lab"
    methods = {span.attributes["mcp.method"] for span in receiver.spans()}
    assert {"initialize", "tools/call"} <= methods  # a span per MCP request, not only tools


def test_a_grpc_protocol_is_refused_in_one_line(tmp_path: Path) -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
    }
    with pytest.raises(LabError, match="OTEL_EXPORTER_OTLP_PROTOCOL=grpc"):
        _start(tmp_path, env)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318", "OTEL_TRACES_EXPORTER": "none"}, False),
    ],
)
def test_nothing_is_exported_without_an_endpoint(environ: dict[str, str], expected: bool) -> None:
    assert exporting(environ) is expected
