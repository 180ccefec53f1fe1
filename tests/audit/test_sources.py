"""Gateway access-log lines and ready-made event lines into audit events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from ipaddress import ip_address

import pytest

from audit.errors import AuditInputError
from audit.schema import EventType, Result
from audit.sources import NOT_YET_LOGGED, GatewayLine, audit_events, gateway_events
from gateway.log_format import FIELDS
from tests.audit.lab_day import GATEWAY_LINES, NOT_AUDIT_EVENTS, catalog_day


def test_every_tool_call_and_every_denial_becomes_an_event_the_rest_is_skipped() -> None:
    events, skipped = gateway_events(GATEWAY_LINES, "gateway.log")
    assert skipped == NOT_AUDIT_EVENTS
    assert len(events) == len(GATEWAY_LINES) - NOT_AUDIT_EVENTS
    kinds = [(e.event_type, e.result, e.reason) for e in events]
    assert kinds == [
        (EventType.TOOL_CALL, Result.SUCCESS, None),
        (EventType.TOOL_CALL, Result.SUCCESS, None),
        (EventType.TOOL_CALL, Result.FAILURE, None),
        (EventType.DENIAL, Result.DENIED, "tool-not-approved"),
        (EventType.DENIAL, Result.DENIED, "unauthenticated"),
        (EventType.DENIAL, Result.DENIED, "forbidden-tenant"),
        (EventType.TOOL_CALL, Result.SUCCESS, None),
        (EventType.DENIAL, Result.DENIED, "rate-limited"),
    ]


def test_a_tool_call_line_maps_every_field() -> None:
    (event,), _ = gateway_events([GATEWAY_LINES[3]], "gateway.log")
    assert event.timestamp == datetime(2026, 11, 26, 9, 2, tzinfo=UTC)
    assert (event.user, event.tenant, event.action) == ("alice@acme.example", "acme", "tools/call")
    assert event.resource == "servers/github/tools/create_issue"
    assert event.ip_address == ip_address("203.0.113.7")
    assert event.user_agent == "mcp-python-sdk/2.3"
    assert event.trace_id == "4bf92f3577b34da6a3ce929d0e0e0002"
    assert event.details == {"http_status": 200, "latency_ms": 41, "gateway": "gateway-0"}


def test_haproxy_dashes_quoted_numbers_and_iso_times_are_understood() -> None:
    line = {
        "time_unix": "2026-11-26T09:30:00+01:00",
        "server": "github",
        "method": "tools/call",
        "tool": "-",
        "status": "401",
        "denial": "unauthenticated",
        "sub": "-",
        "client": "-",
        "trace_id": "-",
        "latency_ms": "3",
        "bytes_out": 812,
    }
    (event,), _ = gateway_events([json.dumps(line)], "gateway.log")
    assert event.timestamp == datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
    assert (event.user, event.ip_address, event.trace_id) == (None, None, None)
    assert event.resource == "servers/github" and event.details["http_status"] == 401


def test_a_denial_before_routing_and_a_request_without_response() -> None:
    bad_request = {"time_unix": 1795683600, "server": "-", "status": 413, "denial": "bad-request"}
    aborted = {"time_unix": 1795683601, "server": "jira", "method": "tools/call", "status": -1}
    denied, failed = gateway_events([json.dumps(bad_request), json.dumps(aborted)], "gw")[0]
    assert (denied.resource, denied.action, denied.result) == ("gateway", "request", Result.DENIED)
    assert (failed.event_type, failed.result) == (EventType.TOOL_CALL, Result.FAILURE)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "gateway.log:2: not JSON"),
        ('{"server": "github", "status": 200}', "gateway.log:2: time_unix: Field required"),
        (
            '{"time_unix": 1795683600, "server": "github", "status": 200, '
            '"method": "tools/call", "client": "10.0.0.300"}',
            "gateway.log:2: client:",
        ),
        ('{"time_unix": 1795683600, "server": "github", "status": 999}', "gateway.log:2: status:"),
        ('{"time_unix": 1795683600, "status": 200, "trace_id": "XYZ"}', "gateway.log:2: trace_id:"),
    ],
)
def test_a_bad_line_names_the_file_the_line_and_the_field(line: str, expected: str) -> None:
    with pytest.raises(AuditInputError) as refused:
        gateway_events([GATEWAY_LINES[3], line, GATEWAY_LINES[4]], "gateway.log")
    assert str(refused.value).startswith(expected)
    assert refused.value.exit_code == 2


def test_ready_made_events_read_back_as_written() -> None:
    day = catalog_day()
    lines = ["", *(e.model_dump_json() for e in day), "  "]
    assert audit_events(lines, "events.jsonl") == day


def test_haproxy_notices_are_skipped_but_a_broken_json_line_is_not() -> None:
    events, skipped = gateway_events(["[WARNING] (7) : config reloaded", GATEWAY_LINES[3]], "g")
    assert (len(events), skipped) == (1, 1)
    with pytest.raises(AuditInputError, match=r"^g:1: not JSON"):
        gateway_events([GATEWAY_LINES[3][:40]], "g")


def test_a_ready_made_event_must_be_a_json_object() -> None:
    with pytest.raises(AuditInputError, match=r"^events.jsonl:1: a JSON object is expected"):
        audit_events(["[1, 2]"], "events.jsonl")


def test_a_ready_made_event_with_chain_fields_is_refused() -> None:
    line = json.loads(catalog_day()[0].model_dump_json()) | {"sequence": 7}
    with pytest.raises(AuditInputError, match=r"events.jsonl:1: sequence: Extra inputs"):
        audit_events([json.dumps(line)], "events.jsonl")


def test_the_gateway_logs_every_field_the_audit_reads() -> None:
    """The contract with gateway/log_format.py: a renamed field fails here, not in an audit."""
    logged = {name for name, _ in FIELDS}
    assert set(GatewayLine.model_fields) - NOT_YET_LOGGED <= logged
