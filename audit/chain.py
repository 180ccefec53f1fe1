"""The hash chain: seal events into records, and walk records to find the first bad one.

Pure functions over records: no I/O, so the archive, the tests and any other reader share
one definition of "intact". A record is bad when

- **edited**: its ``hash`` is not the hash of its content (any field changed, ``hash``
  included), or it was rewritten and re-hashed, which breaks the next record's ``prev_hash``;
- **removed**: a sequence number is missing and does not turn up later in the stream, or the
  stream ends before the sequence the archive says it holds (``expect_last``);
- **reordered**: a record arrives before one with a smaller sequence, which turns up later,
  or a sequence repeats.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from audit.schema import FIRST_SEQUENCE, GENESIS_HASH, AuditEvent, AuditRecord, record_hash


def seal(event: AuditEvent, previous: AuditRecord | None) -> AuditRecord:
    """The event as the record after ``previous`` (or the chain's first record)."""
    draft = AuditRecord.model_validate(
        {
            **event.model_dump(),
            "sequence": previous.sequence + 1 if previous else FIRST_SEQUENCE,
            "prev_hash": previous.hash if previous else GENESIS_HASH,
            "hash": GENESIS_HASH,
        }
    )
    return draft.model_copy(update={"hash": record_hash(draft)})


def append(events: Iterable[AuditEvent], previous: AuditRecord | None) -> list[AuditRecord]:
    """Seal events in order after ``previous``."""
    sealed: list[AuditRecord] = []
    for event in events:
        previous = seal(event, previous)
        sealed.append(previous)
    return sealed


class BreakKind(StrEnum):
    EDITED = "edited"
    REMOVED = "removed"
    REORDERED = "reordered"


@dataclass(frozen=True)
class Located:
    """A record and where it was read (``s3://bucket/key:line`` or ``#index``); a line that
    is not a valid record at all comes with ``record=None`` and the ``problem``."""

    where: str
    record: AuditRecord | None
    problem: str = ""


@dataclass(frozen=True)
class Break:
    """The first bad record: what is wrong, which sequence it concerns, where it was seen."""

    kind: BreakKind
    sequence: int
    position: int
    where: str
    message: str


@dataclass(frozen=True)
class Verdict:
    """The outcome of a walk: how many records were intact before the break, if any."""

    intact: int
    last: AuditRecord | None
    broken: Break | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(entries: Iterable[Located], expect_last: int | None = None) -> Verdict:
    """Walk the chain from its genesis; stop at the first bad record and name it."""
    stream = iter(entries)
    previous: AuditRecord | None = None
    position = 0
    for entry in stream:
        broken = _check(entry, previous, position, stream)
        if broken:
            return Verdict(position, previous, broken)
        previous = entry.record
        position += 1
    last_sequence = previous.sequence if previous else FIRST_SEQUENCE - 1
    if expect_last is not None and last_sequence < expect_last:
        missing = last_sequence + 1
        broken = Break(
            BreakKind.REMOVED,
            missing,
            position,
            "end of archive",
            f"record {_span(missing, expect_last)} missing at the end of the archive "
            f"(the archive's object names say it holds up to record {expect_last})",
        )
        return Verdict(position, previous, broken)
    return Verdict(position, previous)


def verify_records(records: Iterable[AuditRecord], expect_last: int | None = None) -> Verdict:
    """``verify`` for records without a location: each is named by its index."""
    return verify(
        (Located(f"#{index}", record) for index, record in enumerate(records)), expect_last
    )


def _check(
    entry: Located, previous: AuditRecord | None, position: int, rest: Iterator[Located]
) -> Break | None:
    record, where = entry.record, entry.where
    expected = previous.sequence + 1 if previous else FIRST_SEQUENCE
    if record is None:
        return Break(
            BreakKind.EDITED,
            expected,
            position,
            where,
            f"the line at {where} (where record {expected} belongs) is not an audit "
            f"record: {entry.problem}",
        )
    if record_hash(record) != record.hash:
        return Break(
            BreakKind.EDITED,
            record.sequence,
            position,
            where,
            f"record {record.sequence} at {where} was edited: its hash does not match "
            f"its content (expected record {expected} here)",
        )
    if record.sequence < expected:
        return Break(
            BreakKind.REORDERED,
            record.sequence,
            position,
            where,
            f"record {record.sequence} at {where} comes after record {expected - 1}: "
            "records were reordered or repeated",
        )
    if record.sequence > expected:
        if _turns_up(expected, rest):
            return Break(
                BreakKind.REORDERED,
                record.sequence,
                position,
                where,
                f"record {record.sequence} at {where} comes before record {expected}, "
                "which appears later: records were reordered",
            )
        return Break(
            BreakKind.REMOVED,
            expected,
            position,
            where,
            f"record {_span(expected, record.sequence - 1)} removed: "
            f"record {record.sequence} at {where} follows record {expected - 1}",
        )
    if record.prev_hash != (previous.hash if previous else GENESIS_HASH):
        named = previous.sequence if previous else record.sequence
        return Break(
            BreakKind.EDITED,
            named,
            position,
            where,
            f"record {named} was rewritten: record {record.sequence} at {where} "
            f"links to a different hash than record {named} has now",
        )
    return None


def _turns_up(sequence: int, rest: Iterator[Located]) -> bool:
    """Whether the missing sequence appears later (reordered) or never (removed)."""
    return any(entry.record and entry.record.sequence == sequence for entry in rest)


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}..{last}"
