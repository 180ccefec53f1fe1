"""Stream bytes of unknown length into one S3 object without staging them on disk.

``StreamingUpload`` is a write-only file object: sources ``write()`` chunks as they
produce them (pg_dump's stdout, redis-cli's RDB stream, a tar.gz being built). Bytes are
hashed (SHA-256) and counted as they pass, collected into parts of ``part_size`` (8 MiB
by default, S3's minimum is 5 MiB; doubled every 1,000 parts for very large streams) and
uploaded by a small thread pool while the source keeps producing. Memory stays bounded: one part being filled plus ``max_in_flight`` parts
uploading, and ``write`` blocks when they are all busy, which throttles the source.

The multipart upload is created lazily at the first full part; an object smaller than
one part is sent with a single ``PutObject``. On any failure the multipart upload is
aborted (``AbortMultipartUpload`` of this upload only: nothing else is ever deleted). When
the endpoint itself is gone the abort cannot succeed either; the failure message says so,
and the bucket's ``AbortIncompleteMultipartUpload`` lifecycle rule removes the parts.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ops.aws import AWS_ERRORS, describe
from ops.errors import StorageError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MiB = 1024 * 1024
MIN_PART_SIZE = 5 * MiB
DEFAULT_PART_SIZE = 8 * MiB
MAX_PARTS = 10_000
MAX_PART_SIZE = 1024 * MiB
MAX_IN_FLIGHT = 16


def upload_concurrency() -> int:
    """Parts uploading at once, sized to the machine: 4 per core, between 4 and 16.

    Each part upload mostly waits on the network, so several per core keep the link busy;
    memory stays bounded at (concurrency + 1) parts (72 MiB with 8 parts of 8 MiB).
    """
    return max(4, min(MAX_IN_FLIGHT, 4 * (os.cpu_count() or 1)))


@dataclass(frozen=True)
class UploadResult:
    key: str
    size: int
    sha256: str
    parts: int


class StreamingUpload:
    PARTS_PER_DOUBLING = 1000

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        key: str,
        *,
        part_size: int = DEFAULT_PART_SIZE,
        max_in_flight: int = 4,
        content_type: str = "application/octet-stream",
        metadata: dict[str, str] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part size must be at least {MIN_PART_SIZE // MiB} MiB")
        self.client = client
        self.bucket = bucket
        self.key = key
        self.part_size = part_size
        self.max_in_flight = max(1, max_in_flight)
        self.content_type = content_type
        self.metadata = metadata or {}
        self.on_progress = on_progress
        self._buffer = bytearray()
        self._sha = hashlib.sha256()
        self._size = 0
        self._upload_id: str | None = None
        self._parts: dict[int, Future[str]] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False

    # -- file-object protocol (tarfile and gzip write into this) -----------------------
    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:
        if self._closed:
            raise ValueError("write to a finished upload")
        view = memoryview(data)
        self._sha.update(view)
        self._size += len(view)
        self._buffer += view
        while len(self._buffer) >= self.current_part_size:
            size = self.current_part_size
            part = bytes(self._buffer[:size])
            del self._buffer[:size]
            self._send_part(part)
        return len(view)

    def flush(self) -> None:  # parts are sent when full; nothing to flush early
        return None

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def current_part_size(self) -> int:
        """``part_size``, doubled every ``PARTS_PER_DOUBLING`` parts (up to 1 GiB), so a
        stream of unknown length never runs into S3's 10,000-part limit: with 8 MiB parts
        the first 1,000 parts carry 7.8 GiB, and the limit is reached only past 3 TiB."""
        doublings = len(self._parts) // self.PARTS_PER_DOUBLING
        return int(min(self.part_size << min(doublings, 20), max(self.part_size, MAX_PART_SIZE)))

    @property
    def size(self) -> int:
        return self._size

    @property
    def upload_id(self) -> str | None:
        return self._upload_id

    def complete(self) -> UploadResult:
        """Send what is left and make the object visible; abort on any failure."""
        self._closed = True
        try:
            if self._upload_id is None:
                body = bytes(self._buffer)
                self._buffer.clear()
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=self.key,
                    Body=body,
                    ContentType=self.content_type,
                    Metadata=self.metadata,
                )
                if self.on_progress:
                    self.on_progress(len(body))
                parts = 1
            else:
                if self._buffer:
                    part = bytes(self._buffer)
                    self._buffer.clear()
                    self._send_part(part)
                etags = {number: future.result() for number, future in self._parts.items()}
                self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=self.key,
                    UploadId=self._upload_id,
                    MultipartUpload={
                        "Parts": [{"PartNumber": n, "ETag": etags[n]} for n in sorted(etags)]
                    },
                )
                parts = len(etags)
        except AWS_ERRORS as exc:
            raise StorageError(
                self._failure(f"upload of s3://{self.bucket}/{self.key} failed: {describe(exc)}")
            ) from exc
        except BaseException:
            self.abort()
            raise
        finally:
            self._shutdown()
        return UploadResult(
            key=self.key, size=self._size, sha256=self._sha.hexdigest(), parts=parts
        )

    def abort(self) -> str | None:
        """Abort this upload's multipart upload; returns why that failed, or None."""
        self._closed = True
        for future in self._parts.values():
            future.cancel()
        self._shutdown()
        if self._upload_id is None:
            return None
        upload_id, self._upload_id = self._upload_id, None
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=upload_id)
        except AWS_ERRORS as exc:
            return (
                f"the incomplete multipart upload {upload_id} could not be aborted "
                f"({describe(exc)}); the bucket's AbortIncompleteMultipartUpload "
                "lifecycle rule will remove it"
            )
        return None

    def _failure(self, message: str) -> str:
        problem = self.abort()
        return f"{message}; {problem}" if problem else message

    def __enter__(self) -> StreamingUpload:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.abort()

    # -- parts -------------------------------------------------------------------------
    def _send_part(self, data: bytes) -> None:
        try:
            if self._upload_id is None:
                created = self.client.create_multipart_upload(
                    Bucket=self.bucket,
                    Key=self.key,
                    ContentType=self.content_type,
                    Metadata=self.metadata,
                )
                self._upload_id = created["UploadId"]
                self._pool = ThreadPoolExecutor(
                    max_workers=self.max_in_flight, thread_name_prefix="s3-part"
                )
            number = len(self._parts) + 1
            if number > MAX_PARTS:
                raise StorageError(f"{self.key}: more than {MAX_PARTS} parts (over 5 TiB?)")
            self._wait_for_room()
            assert self._pool is not None
            self._parts[number] = self._pool.submit(self._upload_part, number, data)
        except AWS_ERRORS as exc:
            raise StorageError(
                self._failure(f"upload of s3://{self.bucket}/{self.key} failed: {describe(exc)}")
            ) from exc

    def _wait_for_room(self) -> None:
        """Block until fewer than ``max_in_flight`` parts are uploading; surface failures."""
        while True:
            pending = [f for f in self._parts.values() if not f.done()]
            for future in self._parts.values():
                if future.done() and future.exception() is not None:
                    future.result()  # re-raises the part's failure
            if len(pending) < self.max_in_flight:
                return
            pending[0].exception()  # wait for the oldest in-flight part

    def _upload_part(self, number: int, data: bytes) -> str:
        response: Any = self.client.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self._upload_id or "",
            PartNumber=number,
            Body=data,
        )
        if self.on_progress:
            self.on_progress(len(data))
        return str(response["ETag"])

    def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
