"""Answer the audit's common questions from the archive's records.

Who called tool X (``tool``), what did tenant Y do between T1 and T2 (``tenant``, ``since``,
``until``), who promoted server Z (``promoted``). Filters combine with AND; a query without
filters returns every record. Times are half-open: ``since <= timestamp < until``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from audit.schema import AuditRecord, EventType, resource_server, resource_tool

TOOL_EVENTS = (EventType.TOOL_CALL, EventType.DENIAL)


@dataclass(frozen=True)
class Query:
    tool: str | None = None
    tenant: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    promoted: str | None = None

    def matches(self, record: AuditRecord) -> bool:
        return all(
            (
                self.tool is None
                or (
                    record.event_type in TOOL_EVENTS and resource_tool(record.resource) == self.tool
                ),
                self.tenant is None or record.tenant == self.tenant,
                self.since is None or record.timestamp >= self.since,
                self.until is None or record.timestamp < self.until,
                self.promoted is None
                or (
                    record.event_type == EventType.PROMOTION
                    and resource_server(record.resource) == self.promoted
                ),
            )
        )


def search(records: Iterable[AuditRecord], query: Query) -> Iterator[AuditRecord]:
    return (record for record in records if query.matches(record))
