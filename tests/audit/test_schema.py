"""The record schema: the documented fields, canonical bytes and the hash anyone can recompute."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
import rfc8785
from pydantic import ValidationError

from audit.chain import seal
from audit.schema import (
    GENESIS_HASH,
    AuditEvent,
    AuditRecord,
    archive_line,
    record_hash,
    resource_server,
    resource_tool,
    tool_resource,
)

GUIDE_FIELDS = {
    "timestamp",
    "event_type",
    "user",
    "action",
    "resource",
    "result",
    "ip_address",
    "user_agent",
}
EXTENSIONS = {"tenant", "reason", "trace_id", "details"}
CHAIN = {"sequence", "prev_hash", "hash"}


def event(**changes: object) -> AuditEvent:
    fields: dict[str, object] = {
        "timestamp": datetime(2026, 11, 26, 9, 2, tzinfo=UTC),
        "event_type": "gateway.tool_call",
        "user": "alice@acme.example",
        "action": "tools/call",
        "resource": tool_resource("github", "create_issue"),
        "result": "success",
        "ip_address": "203.0.113.7",
        "user_agent": "mcp-python-sdk/2.3",
        "tenant": "acme",
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    }
    return AuditEvent.model_validate(fields | changes)


def test_record_has_the_guide_fields_the_extensions_and_the_chain() -> None:
    assert set(AuditRecord.model_fields) == GUIDE_FIELDS | EXTENSIONS | CHAIN


def test_genesis_record_links_to_zeros_and_its_hash_is_sha256_of_jcs_without_hash() -> None:
    record = seal(event(), None)
    assert (record.sequence, record.prev_hash) == (1, GENESIS_HASH)
    stored = json.loads(archive_line(record))
    del stored["hash"]
    assert record.hash == hashlib.sha256(rfc8785.dumps(stored)).hexdigest()


def test_archive_line_is_canonical_json_on_one_line_and_reads_back_equal() -> None:
    record = seal(event(), None)
    line = archive_line(record)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert line[:-1] == rfc8785.dumps(json.loads(line))
    assert AuditRecord.model_validate_json(line) == record


def test_timestamps_are_stored_as_utc_with_one_spelling_per_instant() -> None:
    local = datetime(2026, 11, 26, 10, 2, tzinfo=timezone(timedelta(hours=1)))
    assert record_hash(event(timestamp=local)) == record_hash(event())
    assert json.loads(archive_line(seal(event(), None)))["timestamp"] == (
        "2026-11-26T09:02:00.000000Z"
    )


def test_any_field_change_changes_the_hash() -> None:
    base = record_hash(event())
    for change in (
        {"user": "mallory@acme.example"},
        {"result": "denied"},
        {"tenant": "globex"},
        {"reason": "why not"},
        {"details": {"http_status": 200}},
        {"ip_address": None},
    ):
        assert record_hash(event(**change)) != base, change


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timestamp": datetime(2026, 11, 26, 9, 2)}, "timestamp"),
        ({"event_type": "gateway.guess"}, "event_type"),
        ({"result": "maybe"}, "result"),
        ({"ip_address": "not-an-ip"}, "ip_address"),
        ({"trace_id": "XYZ"}, "trace_id"),
        ({"details": {"huge": 2**60}}, "details"),
        ({"extra_field": 1}, "extra_field"),
    ],
)
def test_invalid_events_are_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        event(**change)
    assert field in str(refused.value)


def test_resources_name_the_server_and_the_tool() -> None:
    resource = tool_resource("github", "create.issue-v2")
    assert (resource_server(resource), resource_tool(resource)) == ("github", "create.issue-v2")
    assert (resource_server("servers/jira"), resource_tool("servers/jira")) == ("jira", None)
    assert resource_server("catalog") is None
