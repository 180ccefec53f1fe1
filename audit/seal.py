"""``ops audit seal``: the audit log group into the locked archive, continuously and exactly once.

Run by the in-cluster CronJob every few minutes (``components/audit_sealer.py``), one run at
a time. A run

1. checks the archive is locked and reads its cursor (``audit/cursor.py``), refusing one
   that belongs to another log group;
2. reads what the audit log group ingested after the cursor, up to ``now - settle``
   (``audit/log_group.py``);
3. turns each line into its audit event (gateway access lines, ready-made ``ops catalog``
   events; other lines are not audit events), refusing the whole chunk, before anything is
   written, if a line claims to be one and is not;
4. seals each chunk after the archive's last record, in the events' time order, and writes it
   as **one** locked object carrying the new cursor.

So a failed run loses nothing (the cursor moves only with the records it covers) and a rerun
seals nothing twice. Chunks of lines that are all not audit events write nothing; the stored
cursor then stays behind them and the next run reads them again, harmlessly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import ValidationError

from audit.cursor import SealCursor
from audit.errors import ArchiveError, AuditInputError
from audit.log_group import LogEvent, chunks, ingested_between
from audit.schema import AuditEvent, AuditRecord
from audit.sources import describe_problem, event_of_line

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient

    from audit.archive import AuditArchive

DEFAULT_SETTLE_SECONDS = 120
DEFAULT_LOOKBACK_MINUTES = 60


@dataclass(frozen=True)
class SealWindow:
    """How the run reads the log group: its cut-off and its tolerance for late lines."""

    now: datetime
    settle_seconds: int = DEFAULT_SETTLE_SECONDS
    lookback_minutes: int = DEFAULT_LOOKBACK_MINUTES

    @property
    def through_ms(self) -> int:
        return int(self.now.timestamp() * 1000) - self.settle_seconds * 1000

    @property
    def lookback_ms(self) -> int:
        return self.lookback_minutes * 60_000


@dataclass
class SealRun:
    """What one run did: lines read, records sealed, objects written, where it stopped."""

    read: int = 0
    skipped: int = 0
    records: list[AuditRecord] = field(default_factory=list)
    objects: int = 0
    start: SealCursor | None = None
    stored: SealCursor | None = None


def seal(
    logs: CloudWatchLogsClient,
    archive: AuditArchive,
    log_group: str,
    retention_years: int,
    window: SealWindow,
    batch_size: int,
) -> SealRun:
    """Seal everything the log group ingested since the archive's cursor (docstring above)."""
    archive.require_lock()
    run = SealRun(start=archive.cursor())
    run.stored = run.start
    if run.start is not None and run.start.log_group != log_group:
        raise ArchiveError(
            f"the archive s3://{archive.bucket}/{archive.prefix}/ was sealed from log group "
            f"{run.start.log_group}, not {log_group}: seal that group (--log-group), or use "
            "another --prefix for a new chain; nothing was sealed"
        )
    after = run.start.ingested_ms if run.start else None
    through = window.through_ms
    if after is not None and through <= after:
        return run
    pending = ingested_between(logs, log_group, after, through, window.lookback_ms)
    run.read = len(pending)
    parts = list(chunks(pending, batch_size))
    for number, part in enumerate(parts, start=1):
        events, skipped = _events(part, log_group)
        run.skipped += skipped
        if not events:
            continue
        reached = through if number == len(parts) else part[-1].ingested_ms
        position = SealCursor(log_group, reached)
        ordered = sorted(events, key=lambda event: event.timestamp)
        run.records.extend(
            archive.write(
                ordered, retention_years, max(1, len(ordered)), window.now, cursor=position
            )
        )
        run.objects += 1
        run.stored = position
    return run


def sealed_through(run: SealRun, window: SealWindow) -> datetime:
    """After a run that returned: every audit line ingested up to this time is in the archive.

    The run read everything ingested up to the window's cut-off (lines that are not audit
    events need no sealing), so a quiet log group does not look like a stalled sealer even
    though its stored cursor stays put; a cursor already past the cut-off counts as is.
    """
    stored = run.stored.ingested_ms if run.stored else 0
    return datetime.fromtimestamp(max(stored, window.through_ms) / 1000, UTC)


def _events(part: list[LogEvent], log_group: str) -> tuple[list[AuditEvent], int]:
    """The chunk's audit events, validated whole before anything is written."""
    events: list[AuditEvent] = []
    skipped = 0
    for event in part:
        try:
            found = event_of_line(event.message)
        except (ValidationError, ValueError) as error:
            raise AuditInputError(
                describe_problem(event.where(log_group), error)
                + "; nothing of this stretch was sealed (the cursor did not move)"
            ) from None
        if found is None:
            skipped += 1
        else:
            events.append(found)
    return events, skipped


def now_utc() -> datetime:
    return datetime.now(UTC)
