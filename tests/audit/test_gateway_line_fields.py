"""The gateway's new access-log fields in the audit: subject, User-Agent, millisecond time."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from audit.schema import AuditEvent
from audit.sources import NOT_YET_LOGGED, GatewayLine, gateway_events
from gateway.log_format import FIELDS

CALL = {
    "time_unix": 1796323660.29,
    "handshake_ms": 0,
    "idle_ms": 57,
    "client": "203.0.113.7",
    "user_agent": "mcp-client/2.3 (linux, x86_64)",
    "sub": "alice@acme.example",
    "trace_id": "349f8182dfda4deb9cc716b30f977c4f",
    "tenant": "acme",
    "server": "github",
    "method": "tools/call",
    "tool": "whoami",
    "status": 200,
}


def _event(**changes: object) -> AuditEvent:
    (event,), _ = gateway_events([json.dumps(CALL | changes)], "gw0.log")
    return event


def test_the_subject_and_user_agent_become_the_user_and_user_agent() -> None:
    event = _event()
    assert (event.user, event.user_agent) == (
        "alice@acme.example",
        "mcp-client/2.3 (linux, x86_64)",
    )


def test_the_request_time_is_the_accept_date_plus_handshake_and_idle_to_the_millisecond() -> None:
    # 1796323660.290 accepted, 57 ms idle on the kept-alive connection: began at .347
    assert _event().timestamp == datetime(2026, 12, 3, 18, 47, 40, 347000, tzinfo=UTC)
    assert _event(idle_ms=-1, handshake_ms=-1).timestamp.microsecond == 290000
    assert _event(time_unix=1796323660.007, idle_ms=0).timestamp.microsecond == 7000


def test_an_unauthenticated_denial_names_no_user() -> None:
    event = _event(sub="-", denial="unauthenticated", status=401)
    assert event.user is None and event.user_agent == CALL["user_agent"]


def test_the_gateway_logs_every_field_the_audit_reads_nothing_is_pending() -> None:
    assert frozenset() == NOT_YET_LOGGED
    assert set(GatewayLine.model_fields) <= {name for name, _ in FIELDS}
