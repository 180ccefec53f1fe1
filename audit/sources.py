"""Producers' lines into audit events: the gateway's JSON access log, and ready-made events.

The gateway writes one JSON object per request (``gateway/log_format.py``; the fields the
audit reads are in docs/audit.md, "Gateway access-log line"). Every ``tools/call`` and every denial becomes an event; other requests
(``initialize``, ``tools/list``, notifications) are not audit events and are skipped. HAProxy
logs ``-`` for an empty sample and may quote numbers; both are accepted. Unknown fields are
ignored, so the gateway can log more than the audit needs.

Input is validated whole before anything is written: one bad line names the file, the line
and the field, and nothing is archived.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyAddress,
    ValidationError,
    field_validator,
)

from audit.errors import AuditInputError
from audit.schema import (
    TRACE_ID,
    AuditEvent,
    EventType,
    Result,
    server_resource,
    tool_resource,
)

TOOL_CALL_METHOD = "tools/call"
GATEWAY_RESOURCE = "gateway"
"""The resource of a denial the gateway made before it knew the server (a bad request)."""
DENIAL_REASONS = (
    "unauthenticated",
    "forbidden-tenant",
    "tool-not-approved",
    "rate-limited",
    "bad-request",
)
"""The reasons the gateway writes today; others are accepted as written."""
NOT_YET_LOGGED: frozenset[str] = frozenset()
"""Fields the audit reads that gateway/log_format.py does not write: none since the gateway
logs the token's subject (``sub``) and the client's ``user_agent``."""


class GatewayLine(BaseModel):
    """One gateway access-log line (gateway/log_format.py), as far as the audit reads it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    time_unix: datetime = Field(
        description="epoch seconds with milliseconds (HAProxy %Ts.%ms, the accept date) or ISO 8601"
    )
    handshake_ms: int | None = None
    idle_ms: int | None = None
    server: str | None = None
    method: str | None = None
    tool: str | None = None
    status: int = Field(ge=-1, le=599, description="-1: HAProxy sent no response")
    denial: str | None = None
    tenant: str | None = None
    trace_id: str | None = Field(default=None, pattern=TRACE_ID)
    client: IPvAnyAddress | None = None
    user_agent: str | None = None
    sub: str | None = None
    latency_ms: float | None = Field(default=None, ge=0)
    gateway: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _haproxy_empty(cls, value: Any) -> Any:
        return None if value in ("-", "") else value

    @field_validator("time_unix", mode="before")
    @classmethod
    def _epoch_or_iso(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            # through the decimal text, so 1796323660.29 is .290 exactly, not .289999
            seconds = Decimal(str(value))
            whole = int(seconds)
            fraction = timedelta(microseconds=int((seconds - whole) * 1_000_000))
            return datetime.fromtimestamp(whole, UTC) + fraction
        return value

    @field_validator("time_unix")
    @classmethod
    def _zoned(cls, moment: datetime) -> datetime:
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def request_started(line: GatewayLine) -> datetime:
    """When the request began: the accept date plus the TLS handshake and keep-alive idle time.

    On a connection the load balancer keeps alive, HAProxy's accept date is the end of the
    previous response; ``%Th`` and ``%Ti`` (``-1`` when not applicable) close the gap."""
    waited = max(line.handshake_ms or 0, 0) + max(line.idle_ms or 0, 0)
    return line.time_unix + timedelta(milliseconds=waited)


def gateway_event(line: GatewayLine) -> AuditEvent | None:
    """The audit event for a tool call or a denial; None for any other request."""
    denied = line.denial is not None
    if not denied and line.method != TOOL_CALL_METHOD:
        return None
    details: dict[str, str | int | bool | None] = {"http_status": line.status}
    if line.latency_ms is not None:
        details["latency_ms"] = round(line.latency_ms)
    if line.gateway:
        details["gateway"] = line.gateway
    return AuditEvent(
        timestamp=request_started(line),
        event_type=EventType.DENIAL if denied else EventType.TOOL_CALL,
        user=line.sub,
        action=line.method or "request",
        resource=_resource(line.server, line.tool),
        result=Result.DENIED if denied else _result(line.status),
        ip_address=line.client,
        user_agent=line.user_agent,
        tenant=line.tenant,
        reason=line.denial,
        trace_id=line.trace_id,
        details=details,
    )


def _resource(server: str | None, tool: str | None) -> str:
    if server is None:
        return GATEWAY_RESOURCE
    return tool_resource(server, tool) if tool else server_resource(server)


def _result(status: int) -> Result:
    return Result.SUCCESS if 0 < status < 400 else Result.FAILURE


def gateway_events(lines: Iterable[str], source: str) -> tuple[list[AuditEvent], int]:
    """Every audit event in a gateway log, and how many lines were not audit events.

    Lines that do not start with ``{`` are HAProxy's own notices in the same stream (the lab
    logs stdout and stderr together): skipped and counted. A line that starts like JSON but
    is not a valid access-log line is an error: it may be a record the audit would lose."""
    events: list[AuditEvent] = []
    skipped = 0
    for number, text in _numbered(lines):
        if not text.lstrip().startswith("{"):
            skipped += 1
            continue
        try:
            event = gateway_event(GatewayLine.model_validate(_object(text)))
        except (ValidationError, ValueError) as error:
            raise AuditInputError(_describe(source, number, error)) from None
        if event is None:
            skipped += 1
        else:
            events.append(event)
    return events, skipped


def audit_events(lines: Iterable[str], source: str) -> list[AuditEvent]:
    """Ready-made events (the schema without the chain fields), one JSON object a line."""
    events: list[AuditEvent] = []
    for number, text in _numbered(lines):
        try:
            events.append(AuditEvent.model_validate(_object(text)))
        except (ValidationError, ValueError) as error:
            raise AuditInputError(_describe(source, number, error)) from None
    return events


def event_of_line(text: str) -> AuditEvent | None:
    """The audit event in one line of the audit log group, where both producers write:
    a ready-made event (it has ``event_type``: ``ops catalog`` events) or a gateway
    access-log line. None for a line that is not an audit event (HAProxy's notices, requests
    other than tool calls and denials). Raises ``ValueError``/``ValidationError``."""
    if not text.lstrip().startswith("{"):
        return None
    fields = _object(text)
    if "event_type" in fields:
        return AuditEvent.model_validate(fields)
    return gateway_event(GatewayLine.model_validate(fields))


def describe_problem(where: str, error: Exception) -> str:
    """``where: field: what is wrong`` for a line that is not what it claims to be."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "line"
        return f"{where}: {field}: {first['msg']}"
    return f"{where}: {error}"


def _numbered(lines: Iterable[str]) -> Iterable[tuple[int, str]]:
    return ((n, text) for n, text in enumerate(lines, start=1) if text.strip())


def _object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(value, dict):
        raise ValueError(f"a JSON object is expected, not {type(value).__name__}")
    return value


def _describe(source: str, number: int, error: Exception) -> str:
    return describe_problem(f"{source}:{number}", error)
