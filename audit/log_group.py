"""The audit log group as the sealer reads it: events in the order CloudWatch received them.

Fluent Bit sends the gateway namespace's raw lines to the audit log group (one stream per
node); ``ops catalog`` events may be put there too. The sealer reads what was **ingested**
after its cursor and up to a cut-off a little in the past (``settle``: CloudWatch Logs makes
an event visible to reads shortly after it accepts it), in ingestion order, and cuts the
stretch into chunks that end on an ingestion-time boundary, so the cursor after a chunk
("everything ingested at or before this millisecond") is exact.

``FilterLogEvents`` selects by the events' own timestamps, not by ingestion time, so the read
starts ``lookback`` before the cursor: a line delivered more than ``lookback`` after it was
logged would be missed (docs/audit.md, "Continuous delivery").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient


@dataclass(frozen=True)
class LogEvent:
    """One event of the audit log group, as ``FilterLogEvents`` returns it."""

    stream: str
    event_id: str
    timestamp_ms: int
    ingested_ms: int
    message: str

    def where(self, log_group: str) -> str:
        return f"log group {log_group} stream {self.stream} event {self.event_id}"


def ingested_between(
    logs: CloudWatchLogsClient,
    log_group: str,
    after_ms: int | None,
    through_ms: int,
    lookback_ms: int,
) -> list[LogEvent]:
    """Events ingested after ``after_ms`` (None: from the start) and at or before
    ``through_ms``, in ingestion order (then stream, event id: a stable order)."""
    request: dict[str, Any] = {"logGroupName": log_group}
    if after_ms is not None:
        request["startTime"] = max(0, after_ms - lookback_ms)
    found: list[LogEvent] = []
    for page in logs.get_paginator("filter_log_events").paginate(**request):
        for raw in page.get("events", []):
            ingested = int(raw.get("ingestionTime", 0))
            if (after_ms is None or ingested > after_ms) and ingested <= through_ms:
                found.append(
                    LogEvent(
                        stream=raw.get("logStreamName", ""),
                        event_id=raw.get("eventId", ""),
                        timestamp_ms=int(raw.get("timestamp", 0)),
                        ingested_ms=ingested,
                        message=raw.get("message", ""),
                    )
                )
    return sorted(found, key=lambda e: (e.ingested_ms, e.stream, e.timestamp_ms, e.event_id))


def chunks(events: list[LogEvent], size: int) -> Iterator[list[LogEvent]]:
    """About ``size`` events at a time, never splitting one ingestion millisecond."""
    start = 0
    while start < len(events):
        end = min(start + max(1, size), len(events))
        while end < len(events) and events[end].ingested_ms == events[end - 1].ingested_ms:
            end += 1
        yield events[start:end]
        start = end
