"""``verify`` for the archive: the hash chain, plus what the bucket's version history knows.

The chain finds a removed, reordered or edited record wherever the chain itself shows it.
Two things it cannot see alone, the bucket can: a tail that was cut (the object names say
how far the chain reaches, even for an object hidden by a delete marker), and a last record
rewritten with a fresh hash (every object is written once, so an object with a second
version was overwritten: its locked original is compared line by line).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import zip_longest

from audit.archive import AuditArchive, Batch, History
from audit.chain import Break, BreakKind, Verdict, verify


def check(archive: AuditArchive) -> Verdict:
    """Walk the whole archive; name the first removed, reordered or edited record."""
    batches = archive.batches()
    history = archive.history()
    expect_last = max((b.last for b in [*batches, *history.hidden]), default=None)
    verdict = verify(archive.records(), expect_last=expect_last)
    if verdict.broken is not None:
        note = _note(archive, history, verdict.broken.sequence)
        return replace(
            verdict, broken=replace(verdict.broken, message=verdict.broken.message + note)
        )
    for batch in batches:
        original = history.originals.get(batch.key)
        overwritten = _first_difference(archive, batch, original) if original else None
        if overwritten:
            return Verdict(overwritten.sequence - 1, verdict.last, overwritten)
    return verdict


def _note(archive: AuditArchive, history: History, sequence: int) -> str:
    for batch in history.hidden:
        if batch.first <= sequence <= batch.last:
            return (
                f"; s3://{archive.bucket}/{batch.key} (records {batch.first}..{batch.last}) "
                "was deleted: its locked version is still in the bucket's history"
            )
    for key, original in history.originals.items():
        batch = archive.batch_named(key)
        if batch.key and batch.first <= sequence <= batch.last:
            return (
                f"; s3://{archive.bucket}/{key} was overwritten after it was archived: "
                f"its locked original is version {original}"
            )
    return ""


def _first_difference(archive: AuditArchive, batch: Batch, original: str) -> Break | None:
    """The first record where the current object differs from its locked original."""
    current = archive.read(batch)
    for position, (now, then) in enumerate(zip_longest(current, archive.read(batch, original))):
        if now is not None and then is not None and now.record == then.record:
            continue
        sequence = batch.first + position
        where = now.where if now is not None else f"s3://{archive.bucket}/{batch.key}"
        return Break(
            BreakKind.EDITED,
            sequence,
            sequence - 1,
            where,
            f"record {sequence} at {where} differs from the locked original "
            f"(version {original}): the object was overwritten after it was archived "
            "and the record rewritten with a fresh hash",
        )
    return None
