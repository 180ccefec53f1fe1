"""Issue 13's proof: one trace id in the gateway's access log and the reference server's span.

A local OTLP/HTTP receiver stands in for the cluster's collector; the lab points its servers
at it (`lab up --otlp-endpoint`). A tool call made with the official MCP client, once with a
``traceparent`` the test chose and once without, is found in the gateway's access log by its
User-Agent (unique per call), and its trace id must be the trace id of the server's span for
that call, whose parent is the gateway's span from the forwarded ``traceparent``.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator

import anyio
import httpx
import pytest

from tests.gateway.haproxy import haproxy_or_skip
from tests.lab.mcp_client import mcp_session, structured
from tests.lab.otlp_receiver import OtlpReceiver, ReceivedSpan, otlp_receiver
from tests.lab.running_lab import RunningLab, start_lab, stop_lab, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("lab")]

SERVER = "github"
GATEWAYS = ("gw0", "gw1")
SPAN_KIND_SERVER = 2
MILLISECOND_TIME = re.compile(r'^\{"time_unix":\d{10}\.\d{3},"handshake_ms":-?\d+,"idle_ms":-?\d+,')


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    with otlp_receiver() as started:
        yield started


@pytest.fixture(scope="module")
def traced_lab(
    tmp_path_factory: pytest.TempPathFactory, receiver: OtlpReceiver
) -> Iterator[RunningLab]:
    haproxy_or_skip()
    directory = tmp_path_factory.mktemp("traced-lab")
    lab = start_lab(directory, "--server", SERVER, "--otlp-endpoint", receiver.endpoint)
    try:
        yield lab
    finally:
        stop_lab(lab)


def _whoami(lab: RunningLab, user_agent: str, traceparent: str | None) -> str:
    """Call ``whoami`` through the ALB and gateway; return the traceparent the server got."""
    headers = {"User-Agent": user_agent}
    if traceparent is not None:
        headers["traceparent"] = traceparent
    token = lab.token(lab.state().servers[SERVER].tenant, SERVER)

    async def scenario() -> str:
        async with mcp_session(lab.servers[SERVER], token, headers=headers) as session:
            seen = structured(await session.call_tool("whoami", {}))
            return str(seen["headers"]["traceparent"])

    return anyio.run(scenario)


def _access_record(lab: RunningLab, user_agent: str) -> dict[str, object]:
    """The one access-log record of this call's ``tools/call``, from whichever replica had it."""
    found: list[dict[str, object]] = []

    def logged() -> bool:
        found[:] = [
            line
            for gateway in GATEWAYS
            for line in lab.log_lines(gateway)
            if line["user_agent"] == user_agent and line["method"] == "tools/call"
        ]
        return bool(found)

    wait_for(logged, f"the gateway's access-log record of {user_agent}")
    assert len(found) == 1, found
    return found[0]


def _server_span(receiver: OtlpReceiver, parent_span_id: str) -> ReceivedSpan:
    """The reference server's span for the call: the child of the gateway's forwarded span."""
    found: list[ReceivedSpan] = []

    def received() -> bool:
        found[:] = [
            span
            for span in receiver.spans()
            if span.parent_span_id == parent_span_id and span.attributes.get("mcp.tool") == "whoami"
        ]
        return bool(found)

    wait_for(received, f"the server span whose parent is {parent_span_id}")
    assert len(found) == 1, found
    return found[0]


def _tool_span(receiver: OtlpReceiver, parent: ReceivedSpan) -> ReceivedSpan:
    """The tool call's own span, a child of the server's span for the request."""

    def children() -> list[ReceivedSpan]:
        return [span for span in receiver.spans() if span.parent_span_id == parent.span_id]

    wait_for(lambda: bool(children()), f"the tool span under {parent.span_id}")
    (child,) = children()
    return child


def _assert_one_trace(
    lab: RunningLab, receiver: OtlpReceiver, user_agent: str, forwarded: str
) -> tuple[dict[str, object], ReceivedSpan]:
    _, forwarded_trace, gateway_span, flags = forwarded.split("-")
    record = _access_record(lab, user_agent)
    span = _server_span(receiver, gateway_span)
    assert record["trace_id"] == span.trace_id == forwarded_trace
    assert (record["tool"], record["status"], record["sub"]) == ("whoami", 200, "lab-user")
    assert (span.name, span.kind, span.resource["service.name"]) == (
        "tools/call whoami",
        SPAN_KIND_SERVER,
        SERVER,
    )
    tool = _tool_span(receiver, span)
    assert (tool.name, tool.trace_id) == ("tool whoami", span.trace_id)
    assert tool.attributes == {"mcp.method": "tools/call", "mcp.tool": "whoami"}
    assert flags == "01"  # sampled, so the parent-based sampler kept the server's spans
    return record, span


def test_lab_json_and_the_printed_line_say_where_spans_go(
    traced_lab: RunningLab, receiver: OtlpReceiver
) -> None:
    assert traced_lab.otlp_endpoint == receiver.endpoint
    assert traced_lab.state().otlp_endpoint == receiver.endpoint
    saved = json.loads((traced_lab.state_dir / "lab.json").read_text())
    assert saved["otlp_endpoint"] == receiver.endpoint


def test_a_call_with_the_callers_traceparent_keeps_its_trace_id_everywhere(
    traced_lab: RunningLab, receiver: OtlpReceiver
) -> None:
    trace_id, caller_span = os.urandom(16).hex(), os.urandom(8).hex()
    user_agent = f"tracing-test/{os.urandom(4).hex()} (with traceparent, comma kept)"
    forwarded = _whoami(traced_lab, user_agent, f"00-{trace_id}-{caller_span}-01")
    record, span = _assert_one_trace(traced_lab, receiver, user_agent, forwarded)
    assert record["trace_id"] == span.trace_id == trace_id
    # the gateway is a span of its own between the caller and the server
    assert span.parent_span_id != caller_span


def test_a_call_without_traceparent_gets_the_gateways_trace_everywhere(
    traced_lab: RunningLab, receiver: OtlpReceiver
) -> None:
    user_agent = f"tracing-test/{os.urandom(4).hex()} (no traceparent)"
    forwarded = _whoami(traced_lab, user_agent, None)
    record, _ = _assert_one_trace(traced_lab, receiver, user_agent, forwarded)
    assert re.fullmatch(r"[0-9a-f]{32}", str(record["trace_id"]))
    assert record["trace_id"] != "0" * 32


def _forged(token: str, subject: str) -> str:
    """The token with another subject in its payload and the original signature."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = json.dumps(claims | {"sub": subject}).encode()
    return ".".join([header, base64.urlsafe_b64encode(forged).rstrip(b"=").decode(), signature])


def test_a_subject_is_logged_only_from_a_verified_token(traced_lab: RunningLab) -> None:
    user_agent = f"tracing-test/{os.urandom(4).hex()} (forged subject)"
    token = traced_lab.token(traced_lab.state().servers[SERVER].tenant, SERVER)
    answer = httpx.post(
        traced_lab.servers[SERVER],
        headers={
            "User-Agent": user_agent,
            "Authorization": f"Bearer {_forged(token, 'mallory')}",
            "Accept": "application/json, text/event-stream",
        },
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        timeout=10,
    )
    assert answer.status_code == 401
    wait_for(
        lambda: any(
            line["user_agent"] == user_agent for gw in GATEWAYS for line in traced_lab.log_lines(gw)
        ),
        "the forged request's access-log record",
    )
    (record,) = [
        line
        for gw in GATEWAYS
        for line in traced_lab.log_lines(gw)
        if line["user_agent"] == user_agent
    ]
    assert (record["denial"], record["sub"]) == ("unauthenticated", "-")


def test_every_access_log_line_has_millisecond_time_and_a_denial_keeps_the_user_agent(
    traced_lab: RunningLab,
) -> None:
    user_agent = f"tracing-test/{os.urandom(4).hex()} (no token)"

    answer = httpx.post(
        traced_lab.servers[SERVER],
        headers={"User-Agent": user_agent, "Accept": "application/json, text/event-stream"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        timeout=10,
    )
    assert answer.status_code == 401
    denied: list[dict[str, object]] = []

    def logged() -> bool:
        denied[:] = [
            line
            for gateway in GATEWAYS
            for line in traced_lab.log_lines(gateway)
            if line["user_agent"] == user_agent
        ]
        return bool(denied)

    wait_for(logged, "the denied request's access-log record")
    assert {(line["denial"], line["sub"], line["status"]) for line in denied} == {
        ("unauthenticated", "-", 401)
    }
    lines = [
        line
        for gateway in GATEWAYS
        for line in traced_lab.raw_log(gateway).splitlines()
        if line.startswith("{")
    ]
    assert lines and all(MILLISECOND_TIME.match(line) for line in lines), lines[:3]
