"""The audit record: the operate guide's fields plus tenant, reason, trace id and the chain.

The guide's record is timestamp, event type, user, action, resource, result, IP address and
user agent. We add ``tenant`` (whose traffic it was), ``reason`` (the "why": a denial reason
or the operator's justification), ``trace_id`` (the W3C trace that finds the request in
every other log), ``details`` (a few flat facts per event type), and the chain fields
``sequence``, ``prev_hash`` and ``hash``.

The hash is sha256 over the RFC 8785 (JSON Canonicalization Scheme) bytes of the record
without its ``hash`` field, so anyone can recompute it with any JCS library. The first
record of a chain has sequence 1 and ``prev_hash`` = 64 zeros (``GENESIS_HASH``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import rfc8785
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyAddress,
    field_serializer,
    field_validator,
)

GENESIS_HASH = "0" * 64
FIRST_SEQUENCE = 1
SHA256_HEX = r"^[0-9a-f]{64}$"
TRACE_ID = r"^[0-9a-f]{32}$"
MAX_JSON_INTEGER = 2**53 - 1
"""RFC 8785 represents numbers as IEEE doubles: larger integers are refused, not rounded."""


class EventType(StrEnum):
    """What happened. Gateway events first, then the catalog's approval workflow."""

    TOOL_CALL = "gateway.tool_call"
    DENIAL = "gateway.denial"
    REGISTRATION = "catalog.registration"
    APPROVAL = "catalog.approval"
    PROMOTION = "catalog.promotion"
    OWNERSHIP_CHANGE = "catalog.ownership_change"
    SLO_EXCEPTION = "catalog.slo_exception"


class Result(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


DetailValue = str | int | bool | None


class AuditEvent(BaseModel):
    """One thing that happened, before it is sealed into the chain."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timestamp: AwareDatetime = Field(description="when it happened, stored as UTC")
    event_type: EventType
    user: str | None = Field(description="who: the token's subject, or the operator")
    action: str = Field(min_length=1, description="what: a JSON-RPC method or catalog verb")
    resource: str = Field(min_length=1, description="on what: servers/<name>[/tools/<tool>]")
    result: Result
    ip_address: IPvAnyAddress | None = None
    user_agent: str | None = None
    tenant: str | None = None
    reason: str | None = Field(default=None, description="why: denial reason or justification")
    trace_id: str | None = Field(default=None, pattern=TRACE_ID)
    details: dict[str, DetailValue] = Field(default_factory=dict)

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, moment: datetime) -> datetime:
        return moment.astimezone(UTC)

    @field_serializer("timestamp")
    def _rfc3339(self, moment: datetime) -> str:
        """One spelling per instant (microseconds, ``Z``), so the canonical bytes are stable."""
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    @field_validator("details")
    @classmethod
    def _json_safe_integers(cls, details: dict[str, DetailValue]) -> dict[str, DetailValue]:
        for key, value in details.items():
            too_big = isinstance(value, int) and abs(value) > MAX_JSON_INTEGER
            if too_big and not isinstance(value, bool):
                raise ValueError(f"details.{key}: integer {value} exceeds 2**53-1")
        return details


class AuditRecord(AuditEvent):
    """An event sealed into the chain: its place, its predecessor's hash and its own hash."""

    sequence: int = Field(ge=FIRST_SEQUENCE)
    prev_hash: str = Field(pattern=SHA256_HEX)
    hash: str = Field(pattern=SHA256_HEX)

    def event(self) -> AuditEvent:
        """The record without its chain fields."""
        return AuditEvent.model_validate(self.model_dump(exclude={"sequence", "prev_hash", "hash"}))


def content(record: AuditEvent) -> dict[str, Any]:
    """The JSON object a record's hash covers: every field except ``hash``."""
    return record.model_dump(mode="json", exclude={"hash"})


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    return rfc8785.dumps(fields)


def record_hash(record: AuditEvent) -> str:
    """sha256 of the canonical record without its own hash: what ``hash`` must equal."""
    return hashlib.sha256(canonical_bytes(content(record))).hexdigest()


def archive_line(record: AuditRecord) -> bytes:
    """The record as stored: its canonical JSON (hash included) on one line."""
    return canonical_bytes(record.model_dump(mode="json")) + b"\n"


def server_resource(server: str) -> str:
    return f"servers/{server}"


def tool_resource(server: str, tool: str) -> str:
    return f"servers/{server}/tools/{tool}"


def resource_server(resource: str) -> str | None:
    parts = resource.split("/")
    return parts[1] if len(parts) >= 2 and parts[0] == "servers" else None


def resource_tool(resource: str) -> str | None:
    parts = resource.split("/", 3)
    if len(parts) == 4 and parts[0] == "servers" and parts[2] == "tools":
        return parts[3]
    return None
