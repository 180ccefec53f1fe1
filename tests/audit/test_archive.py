"""The S3 archive against moto: layout, locks, continuation, and tampering found by verify."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest

from audit.archive import AuditArchive, retain_until
from audit.archive_check import check
from audit.chain import BreakKind
from audit.errors import ArchiveError
from audit.schema import AuditRecord, archive_line, record_hash
from audit.sources import gateway_events
from tests.audit.lab_day import GATEWAY_LINES, catalog_day

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
KEY = re.compile(r"^audit/2026/11/26/\d{12}-\d{12}\.jsonl\.gz$")


def lab_archive(s3: S3Client, bucket: str) -> tuple[AuditArchive, list[AuditRecord]]:
    """The lab day in batches of 4: gateway records first, then the catalog's."""
    archive = AuditArchive(s3, bucket)
    gateway, _ = gateway_events(GATEWAY_LINES, "gateway.log")
    records = archive.write(gateway, retention_years=7, batch_size=4, now=NOW)
    records += archive.write(catalog_day(), retention_years=7, batch_size=4, now=NOW)
    return archive, records


def rewrite(s3: S3Client, bucket: str, key: str, change: Callable[[list[bytes]], object]) -> None:
    """What an insider with PutObject can do to a locked object: upload a new version."""
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    lines = gzip.decompress(body).splitlines(keepends=True)
    original = list(lines)
    change(lines)
    assert lines != original, "the tamper must change something"
    s3.put_object(Bucket=bucket, Key=key, Body=gzip.compress(b"".join(lines)))


def test_the_archive_layout_is_date_and_sequence_named_gzip_jsonl(
    s3: S3Client, locked_bucket: str
) -> None:
    archive, records = lab_archive(s3, locked_bucket)
    keys = [b.key for b in archive.batches()]
    assert len(records) == 15 and all(KEY.match(key) for key in keys)
    assert [key.rsplit("/", 1)[1] for key in keys] == [
        "000000000001-000000000004.jsonl.gz",
        "000000000005-000000000008.jsonl.gz",
        "000000000009-000000000012.jsonl.gz",
        "000000000013-000000000015.jsonl.gz",
    ]
    read = [entry.record for entry in archive.records()]
    assert read == records
    assert [r.sequence for r in records] == list(range(1, 16))


def test_every_object_is_locked_in_compliance_mode_for_the_retention(
    s3: S3Client, locked_bucket: str
) -> None:
    archive, _ = lab_archive(s3, locked_bucket)
    for batch in archive.batches():
        head = s3.head_object(Bucket=locked_bucket, Key=batch.key)
        assert head["ObjectLockMode"] == "COMPLIANCE"
        assert head["ObjectLockRetainUntilDate"] == datetime(2033, 12, 3, 12, 0, tzinfo=UTC)


def test_retention_counts_calendar_years() -> None:
    leap = datetime(2028, 2, 29, tzinfo=UTC)
    assert retain_until(leap, 1) == datetime(2029, 2, 28, tzinfo=UTC)
    with pytest.raises(ArchiveError, match="at least 1 year"):
        retain_until(leap, 0)


def test_a_second_writer_run_continues_the_chain_and_verify_passes(
    s3: S3Client, locked_bucket: str
) -> None:
    archive, records = lab_archive(s3, locked_bucket)
    assert records[7].sequence == 8 and records[8].prev_hash == records[7].hash
    verdict = check(archive)
    assert verdict.ok and verdict.intact == 15 and verdict.last == records[-1]


def test_an_unlocked_bucket_is_refused_and_nothing_is_written(s3: S3Client) -> None:
    s3.create_bucket(Bucket="plain-bucket")
    archive = AuditArchive(s3, "plain-bucket")
    with pytest.raises(ArchiveError, match="bucket plain-bucket has no Object Lock"):
        archive.write(catalog_day(), retention_years=7)
    assert s3.list_objects_v2(Bucket="plain-bucket").get("KeyCount") == 0


def test_an_edited_record_is_named_with_its_object_and_line(
    s3: S3Client, locked_bucket: str
) -> None:
    archive, _ = lab_archive(s3, locked_bucket)
    key = archive.batches()[1].key

    def edit(lines: list[bytes]) -> None:
        lines[2] = lines[2].replace(b"alice@acme.example", b"mallory@acme.example")

    rewrite(s3, locked_bucket, key, edit)
    broken = check(archive).broken
    assert broken and broken.kind is BreakKind.EDITED and broken.sequence == 7
    assert broken.where == f"s3://{locked_bucket}/{key}:3"


def test_a_removed_record_is_named(s3: S3Client, locked_bucket: str) -> None:
    archive, _ = lab_archive(s3, locked_bucket)
    rewrite(s3, locked_bucket, archive.batches()[2].key, lambda lines: lines.pop(1))
    broken = check(archive).broken
    assert broken and broken.kind is BreakKind.REMOVED and broken.sequence == 10
    assert "record 10 removed" in broken.message


def test_two_swapped_records_are_named(s3: S3Client, locked_bucket: str) -> None:
    archive, _ = lab_archive(s3, locked_bucket)

    def swap(lines: list[bytes]) -> None:
        lines[0], lines[3] = lines[3], lines[0]

    rewrite(s3, locked_bucket, archive.batches()[0].key, swap)
    broken = check(archive).broken
    assert broken and broken.kind is BreakKind.REORDERED and broken.sequence == 4


def test_a_truncated_last_object_is_named_by_its_key(s3: S3Client, locked_bucket: str) -> None:
    archive, _ = lab_archive(s3, locked_bucket)
    rewrite(s3, locked_bucket, archive.batches()[-1].key, lambda lines: lines.pop())
    broken = check(archive).broken
    assert broken and broken.kind is BreakKind.REMOVED and broken.sequence == 15


def test_a_rewritten_and_rehashed_last_record_is_named_against_its_locked_original(
    s3: S3Client, locked_bucket: str
) -> None:
    """The chain cannot see this one (no successor links to the tail); the versions can."""
    archive, records = lab_archive(s3, locked_bucket)
    forged = records[-1].model_copy(update={"reason": "nothing to see here"})
    forged = forged.model_copy(update={"hash": record_hash(forged)})

    def forge(lines: list[bytes]) -> None:
        lines[-1] = archive_line(forged)

    key = archive.batches()[-1].key
    rewrite(s3, locked_bucket, key, forge)
    broken = check(archive).broken
    assert broken and broken.kind is BreakKind.EDITED and broken.sequence == 15
    assert broken.where == f"s3://{locked_bucket}/{key}:3"
    assert "differs from the locked original" in broken.message


def test_a_break_in_an_overwritten_object_names_its_locked_original(
    s3: S3Client, locked_bucket: str
) -> None:
    archive, _ = lab_archive(s3, locked_bucket)
    key = archive.batches()[0].key
    original = s3.head_object(Bucket=locked_bucket, Key=key)["VersionId"]
    rewrite(s3, locked_bucket, key, lambda lines: lines.pop(0))
    broken = check(archive).broken
    assert broken and broken.kind is BreakKind.REMOVED and broken.sequence == 1
    assert f"its locked original is version {original}" in broken.message


def test_a_hidden_object_is_named_and_its_locked_version_survives(
    s3: S3Client, locked_bucket: str
) -> None:
    archive, _ = lab_archive(s3, locked_bucket)
    key = archive.batches()[1].key
    assert s3.delete_object(Bucket=locked_bucket, Key=key)["DeleteMarker"]
    broken = check(archive).broken
    assert broken and broken.kind is BreakKind.REMOVED and broken.sequence == 5
    assert "was deleted: its locked version is still in the bucket's history" in broken.message
    versions = s3.list_object_versions(Bucket=locked_bucket, Prefix=key)["Versions"]
    assert len(versions) == 1 and not versions[0]["IsLatest"]


def test_a_hidden_last_object_is_named_and_blocks_appending(
    s3: S3Client, locked_bucket: str
) -> None:
    archive, _ = lab_archive(s3, locked_bucket)
    s3.delete_object(Bucket=locked_bucket, Key=archive.batches()[-1].key)
    broken = check(archive).broken
    assert broken and broken.kind is BreakKind.REMOVED and broken.sequence == 13
    with pytest.raises(ArchiveError, match="would fork the chain"):
        archive.write(catalog_day(), retention_years=7)


@pytest.mark.parametrize("damage", ["not gzip", "cut short"])
def test_an_object_that_is_not_complete_gzip_is_named_as_edited(
    s3: S3Client, locked_bucket: str, damage: str
) -> None:
    archive, _ = lab_archive(s3, locked_bucket)
    key = archive.batches()[2].key
    original = s3.get_object(Bucket=locked_bucket, Key=key)["Body"].read()
    body = b"plain text, not gzip" if damage == "not gzip" else original[: len(original) // 2]
    s3.put_object(Bucket=locked_bucket, Key=key, Body=body)
    broken = check(archive).broken
    assert broken and broken.kind is BreakKind.EDITED and 9 <= broken.sequence <= 12
    assert "not a complete gzip object" in broken.message or "not an audit record" in broken.message


def test_appending_after_a_tampered_tail_is_refused(s3: S3Client, locked_bucket: str) -> None:
    archive, _ = lab_archive(s3, locked_bucket)

    def edit(lines: list[bytes]) -> None:
        lines[-1] = lines[-1].replace(b"ivan@corp.example", b"nobody@corp.example")

    rewrite(s3, locked_bucket, archive.batches()[-1].key, edit)
    with pytest.raises(ArchiveError, match="is not the intact record 15"):
        archive.write(catalog_day(), retention_years=7)


def test_a_failed_batch_says_what_was_archived_and_what_was_not(
    s3: S3Client, locked_bucket: str
) -> None:
    archive = AuditArchive(s3, locked_bucket)
    gateway, _ = gateway_events(GATEWAY_LINES, "gateway.log")
    puts: list[str] = []

    def second_put_fails(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        puts.append(params["url_path"])
        if len(puts) < 2:
            return None
        error = {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}
        return SimpleNamespace(status_code=503, headers={}), error

    s3.meta.events.register("before-call.s3.PutObject", second_put_fails)  # type: ignore[arg-type]
    with pytest.raises(ArchiveError) as failed:
        archive.write(gateway, retention_years=7, batch_size=4)
    assert "archived: records 1..4; the other 4 events were not written" in str(failed.value)
    assert "SlowDown" in str(failed.value)
    assert [b.last for b in archive.batches()] == [4]
