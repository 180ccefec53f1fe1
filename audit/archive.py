"""The S3 archive: one gzip'd JSON Lines object per batch, locked in COMPLIANCE mode.

Layout under a prefix (default ``audit``)::

    <prefix>/YYYY/MM/DD/<first-seq:012>-<last-seq:012>.jsonl.gz

The date is the batch's first record's (UTC), for partitioned queries (Athena); the
sequence numbers order the objects, so the reader streams records in chain order whatever
the dates say, and the object names tell ``verify`` how far the chain must reach even when
its tail was hidden. Every object is written once (``If-None-Match: *``) with a COMPLIANCE
retention, so no one, the root account included, can delete or shorten it until the date.
boto3 only: the client comes from the caller (``ops.aws.s3_client`` or a test's moto).
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import botocore.exceptions
from pydantic import ValidationError

from audit.chain import Located, append
from audit.cursor import SealCursor, cursor_from
from audit.defaults import DEFAULT_BATCH_SIZE, DEFAULT_PREFIX
from audit.errors import ArchiveError
from audit.schema import AuditEvent, AuditRecord, archive_line, record_hash

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BATCH_NAME = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/(\d{12})-(\d{12})\.jsonl\.gz$")


@dataclass(frozen=True)
class Batch:
    """One archived object and the sequence range its name declares."""

    key: str
    first: int
    last: int


def batch_key(prefix: str, first: AuditRecord, last: AuditRecord) -> str:
    day = first.timestamp.astimezone(UTC).strftime("%Y/%m/%d")
    return f"{prefix}/{day}/{first.sequence:012d}-{last.sequence:012d}.jsonl.gz"


def retain_until(now: datetime, years: int) -> datetime:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    if years < 1:
        raise ArchiveError(f"retention must be at least 1 year, not {years}")
    try:
        return now.replace(year=now.year + years)
    except ValueError:
        return now.replace(year=now.year + years, day=28)


@dataclass(frozen=True)
class History:
    """Objects hidden by a delete marker, and the original version of every object that was
    written more than once. The writer writes each key once, so both mean tampering; Object
    Lock keeps the originals."""

    hidden: list[Batch]
    originals: dict[str, str]


class AuditArchive:
    """Read, verify and extend the audit chain kept in one bucket under one prefix."""

    def __init__(self, s3: S3Client, bucket: str, prefix: str = DEFAULT_PREFIX) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.prefix = prefix.strip("/") or DEFAULT_PREFIX

    # -- reading ---------------------------------------------------------------------------

    def batches(self) -> list[Batch]:
        """The archived objects in chain order (by first sequence)."""
        found: list[Batch] = []
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}/"
        )
        for page in pages:
            found.extend(self.batch_named(item["Key"]) for item in page.get("Contents", []))
        return sorted((b for b in found if b.key), key=lambda b: (b.first, b.last, b.key))

    def history(self) -> History:
        """What happened to the archive's objects after they were written (normally nothing)."""
        hidden: list[Batch] = []
        versions: dict[str, list[str]] = {}
        pages = self.s3.get_paginator("list_object_versions").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}/"
        )
        for page in pages:
            for marker in page.get("DeleteMarkers", []):
                if marker.get("IsLatest"):
                    hidden.append(self.batch_named(marker["Key"]))
            for version in page.get("Versions", []):
                versions.setdefault(version["Key"], []).append(version["VersionId"])
        originals = {key: ids[-1] for key, ids in versions.items() if len(ids) > 1}
        return History([b for b in hidden if b.key], originals)

    def read(self, batch: Batch, version_id: str | None = None) -> Iterator[Located]:
        """The records of one object (its current version unless told), in stored order;
        a line that is not a record comes with its problem."""
        if version_id:
            got = self.s3.get_object(Bucket=self.bucket, Key=batch.key, VersionId=version_id)
        else:
            got = self.s3.get_object(Bucket=self.bucket, Key=batch.key)
        body = got["Body"]
        location = f"s3://{self.bucket}/{batch.key}"
        try:
            with gzip.GzipFile(fileobj=body, mode="rb") as lines:
                for number, line in enumerate(lines, start=1):
                    yield _parse(f"{location}:{number}", line)
        except (gzip.BadGzipFile, EOFError, zlib.error) as error:
            # Only a bad object: network errors propagate (an outage is not tampering).
            yield Located(location, None, f"not a complete gzip object ({error})")

    def records(self) -> Iterator[Located]:
        for batch in self.batches():
            yield from self.read(batch)

    def head(self) -> AuditRecord | None:
        """The last archived record, checked, so a writer never extends a broken tail."""
        batches = self.batches()
        if not batches:
            return None
        last = batches[-1]
        entries = list(self.read(last))
        tail = entries[-1] if entries else Located(f"s3://{self.bucket}/{last.key}", None, "")
        record = tail.record
        if record is None or record_hash(record) != record.hash or record.sequence != last.last:
            raise ArchiveError(
                f"the archive's last record ({tail.where}) is not the intact record "
                f"{last.last} its object name promises; nothing was appended: run "
                "`python -m ops audit verify` and investigate first"
            )
        return record

    # -- writing ---------------------------------------------------------------------------

    def cursor(self) -> SealCursor | None:
        """The seal cursor the last archived object carries (None: nothing sealed from logs)."""
        batches = self.batches()
        if not batches:
            return None
        key = batches[-1].key
        metadata = self.s3.head_object(Bucket=self.bucket, Key=key).get("Metadata", {})
        return cursor_from(metadata, f"s3://{self.bucket}/{key}")

    def require_lock(self) -> None:
        """Refuse to archive into a bucket that could forget: Object Lock must be on."""
        try:
            config = self.s3.get_object_lock_configuration(Bucket=self.bucket)
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") != (
                "ObjectLockConfigurationNotFoundError"
            ):
                raise
            config = {}  # type: ignore[typeddict-item]
        enabled = config.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled")
        if enabled != "Enabled":
            raise ArchiveError(
                f"bucket {self.bucket} has no Object Lock: the audit archive must be a bucket "
                "created with Object Lock enabled (COMPLIANCE retention), nothing was written"
            )

    def write(
        self,
        events: Iterable[AuditEvent],
        retention_years: int,
        batch_size: int = DEFAULT_BATCH_SIZE,
        now: datetime | None = None,
        cursor: SealCursor | None = None,
    ) -> list[AuditRecord]:
        """Seal events after the archived head and store them in locked batches.

        ``cursor`` (the sealer's new position in the audit log group) goes on the last
        batch only, so a failure part-way leaves the old position; every other batch, and
        every write without a cursor, carries the previous object's forward."""
        until = retain_until(now or datetime.now(UTC), retention_years)
        self.require_lock()
        head = self.head()
        self._refuse_hidden_tail(head)
        carried = self.cursor()
        records = append(events, head)
        size = max(1, batch_size)
        for start in range(0, len(records), size):
            batch = records[start : start + size]
            last = start + size >= len(records)
            position = cursor if cursor is not None and last else carried
            try:
                self._put(batch, until, position)
            except botocore.exceptions.ClientError as error:
                raise ArchiveError(_partial(records, start, self.bucket, error)) from error
        return records

    def _refuse_hidden_tail(self, head: AuditRecord | None) -> None:
        """A deleted last object hides records: continuing after them would fork the chain."""
        reached = head.sequence if head else 0
        for batch in self.history().hidden:
            if batch.last > reached:
                raise ArchiveError(
                    f"s3://{self.bucket}/{batch.key} (records {batch.first}..{batch.last}) "
                    "was deleted (a delete marker hides it); appending after record "
                    f"{reached} would fork the chain: remove the delete marker to restore it, "
                    "nothing was appended"
                )

    def _put(self, batch: list[AuditRecord], until: datetime, cursor: SealCursor | None) -> None:
        body = gzip.compress(b"".join(archive_line(r) for r in batch), mtime=0)
        metadata = {"audit-last-hash": batch[-1].hash}
        if cursor is not None:
            metadata |= cursor.metadata()
        self.s3.put_object(
            Bucket=self.bucket,
            Key=batch_key(self.prefix, batch[0], batch[-1]),
            Body=body,
            ContentType="application/gzip",
            ChecksumAlgorithm="SHA256",
            IfNoneMatch="*",
            ObjectLockMode="COMPLIANCE",
            ObjectLockRetainUntilDate=until,
            Metadata=metadata,
        )

    def batch_named(self, key: str) -> Batch:
        """The batch a key names, or an empty ``Batch`` for any other key under the prefix."""
        match = BATCH_NAME.search(key)
        if not match or not key.startswith(f"{self.prefix}/"):
            return Batch("", 0, 0)
        return Batch(key, int(match.group(4)), int(match.group(5)))


def _parse(where: str, line: bytes) -> Located:
    try:
        return Located(where, AuditRecord.model_validate_json(line))
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "line"
        return Located(where, None, f"{field}: {first['msg']}")


def _partial(
    records: list[AuditRecord], start: int, bucket: str, error: botocore.exceptions.ClientError
) -> str:
    from ops.aws import describe

    done = f"records {records[0].sequence}..{records[start - 1].sequence}" if start else "none"
    return (
        f"writing to bucket {bucket} failed ({describe(error)}); archived: {done}; "
        f"the other {len(records) - start} events were not written: append them again"
    )
