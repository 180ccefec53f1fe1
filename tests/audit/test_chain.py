"""The hash chain: intact chains pass; every single removal, edit or swap is found and named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from audit.chain import BreakKind, append, seal, verify_records
from audit.schema import AuditEvent, AuditRecord, EventType, Result, record_hash, tool_resource

START = datetime(2026, 11, 26, tzinfo=UTC)


def events(count: int) -> list[AuditEvent]:
    return [
        AuditEvent(
            timestamp=START + timedelta(seconds=index),
            event_type=EventType.TOOL_CALL,
            user=f"user{index % 3}@acme.example",
            action="tools/call",
            resource=tool_resource("github", f"tool{index % 4}"),
            result=Result.SUCCESS,
            tenant="acme",
        )
        for index in range(count)
    ]


def chain(count: int) -> list[AuditRecord]:
    return append(events(count), None)


def test_an_intact_chain_passes_and_reports_its_head() -> None:
    records = chain(5)
    verdict = verify_records(records, expect_last=5)
    assert verdict.ok and verdict.intact == 5 and verdict.last == records[-1]
    assert [r.sequence for r in records] == [1, 2, 3, 4, 5]
    assert all(r.prev_hash == p.hash for p, r in pairwise(records))


def test_appending_continues_from_the_previous_head() -> None:
    first = chain(3)
    more = append(events(2), first[-1])
    assert [r.sequence for r in more] == [4, 5]
    assert verify_records(first + more).ok


def test_an_empty_chain_passes_unless_records_are_expected() -> None:
    assert verify_records([]).ok
    broken = verify_records([], expect_last=2).broken
    assert broken and broken.kind is BreakKind.REMOVED and broken.sequence == 1


def test_a_removed_record_is_named() -> None:
    records = chain(6)
    broken = verify_records(records[:2] + records[3:]).broken
    assert broken and broken.kind is BreakKind.REMOVED and broken.sequence == 3
    assert "record 3 removed" in broken.message


def test_a_removed_tail_is_named_when_the_archive_says_how_far_it_goes() -> None:
    records = chain(6)
    assert verify_records(records[:-1]).ok  # the chain alone cannot see a missing tail
    broken = verify_records(records[:-1], expect_last=6).broken
    assert broken and broken.kind is BreakKind.REMOVED and broken.sequence == 6


def test_an_edited_record_is_named() -> None:
    records = chain(6)
    records[3] = records[3].model_copy(update={"user": "mallory@acme.example"})
    broken = verify_records(records).broken
    assert broken and broken.kind is BreakKind.EDITED and broken.sequence == 4
    assert broken.where == "#3"


def test_a_rewritten_and_rehashed_record_is_named_by_its_successor() -> None:
    records = chain(6)
    forged = records[2].model_copy(update={"result": Result.FAILURE})
    records[2] = forged.model_copy(update={"hash": record_hash(forged)})
    broken = verify_records(records).broken
    assert broken and broken.kind is BreakKind.EDITED and broken.sequence == 3
    assert broken.position == 3


def test_two_swapped_records_are_named() -> None:
    records = chain(6)
    records[1], records[4] = records[4], records[1]
    broken = verify_records(records).broken
    assert broken and broken.kind is BreakKind.REORDERED and broken.sequence == 5
    assert "comes before record 2" in broken.message


def test_a_repeated_record_is_named() -> None:
    records = chain(4)
    broken = verify_records([*records[:3], records[1], records[3]]).broken
    assert broken and broken.kind is BreakKind.REORDERED and broken.sequence == 2


def test_a_chain_that_does_not_start_at_genesis_is_broken() -> None:
    records = chain(4)
    orphan = seal(events(1)[0], records[-1])
    broken = verify_records([orphan]).broken
    assert broken and broken.kind is BreakKind.REMOVED and broken.sequence == 1


# -- property: any single tamper is detected and named -----------------------------------------

EDITS = st.sampled_from(["user", "tenant", "result", "timestamp", "sequence", "prev_hash", "hash"])


def _edited(record: AuditRecord, field: str) -> AuditRecord:
    changed: dict[str, object] = {
        "user": (record.user or "") + "x",
        "tenant": "globex",
        "result": Result.DENIED,
        "timestamp": record.timestamp + timedelta(microseconds=1),
        "sequence": record.sequence + 1000,
        "prev_hash": "f" * 64,
        "hash": "e" * 64,
    }
    return record.model_copy(update={field: changed[field]})


@settings(max_examples=150, deadline=None)
@given(size=st.integers(1, 12), data=st.data())
def test_any_single_edit_is_named(size: int, data: st.DataObject) -> None:
    records = chain(size)
    index = data.draw(st.integers(0, size - 1))
    records[index] = _edited(records[index], data.draw(EDITS))
    broken = verify_records(records, expect_last=size).broken
    assert broken and broken.kind is BreakKind.EDITED and broken.position == index


@settings(max_examples=150, deadline=None)
@given(size=st.integers(1, 12), data=st.data())
def test_any_single_removal_is_named(size: int, data: st.DataObject) -> None:
    records = chain(size)
    index = data.draw(st.integers(0, size - 1))
    del records[index]
    broken = verify_records(records, expect_last=size).broken
    assert broken and broken.kind is BreakKind.REMOVED and broken.sequence == index + 1


@settings(max_examples=150, deadline=None)
@given(size=st.integers(2, 12), data=st.data())
def test_any_single_swap_is_named(size: int, data: st.DataObject) -> None:
    records = chain(size)
    first = data.draw(st.integers(0, size - 2))
    second = data.draw(st.integers(first + 1, size - 1))
    records[first], records[second] = records[second], records[first]
    broken = verify_records(records, expect_last=size).broken
    assert broken and broken.kind is BreakKind.REORDERED
    assert broken.position == first and broken.sequence == second + 1
