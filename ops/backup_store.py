"""The backups in one bucket and prefix: listing them, reading and writing manifests.

Reads and writes only; ops never deletes a backup (the bucket's lifecycle rules expire
them). The only removal ops ever performs is ``AbortMultipartUpload`` of its own
in-flight upload, in ``ops.s3_stream``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import urllib3.exceptions

from ops.aws import AWS_ERRORS, aws_errors, describe, is_not_found
from ops.errors import StorageError
from ops.manifest import (
    MANIFEST_NAME,
    Manifest,
    ManifestInvalid,
    check_prefix,
    is_backup_id,
    object_key,
    parse_manifest,
)
from ops.s3_stream import DEFAULT_PART_SIZE, StreamingUpload
from ops.selection import Selection, select_backup

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class BackupStore:
    def __init__(self, client: S3Client, bucket: str, prefix: str) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = check_prefix(prefix)

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}/" if self.prefix else f"s3://{self.bucket}/"

    def check_bucket(self) -> None:
        """The bucket exists and this prefix is listable: a one-key listing rather than
        HeadBucket, which a ListBucket grant scoped to ``s3:prefix`` (least privilege for
        one environment's prefix) does not allow."""
        root = f"{self.prefix}/" if self.prefix else ""
        try:
            self.client.list_objects_v2(Bucket=self.bucket, Prefix=root, MaxKeys=1)
        except AWS_ERRORS as exc:
            reason = describe(exc)
            if is_not_found(exc):
                reason = "bucket does not exist"
            raise StorageError(f"bucket {self.bucket}: {reason}") from exc

    def backup_ids(self) -> list[str]:
        """Every backup id under the prefix, complete or not, oldest first."""
        root = f"{self.prefix}/" if self.prefix else ""
        ids: list[str] = []
        with aws_errors(f"listing {self.location}"):
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=root, Delimiter="/"):
                for common in page.get("CommonPrefixes", []):
                    name = common.get("Prefix", "")[len(root) :].rstrip("/")
                    if is_backup_id(name):
                        ids.append(name)
        return sorted(ids)

    def load_manifest(self, backup_id: str) -> Manifest | None:
        """The backup's manifest; None if it has none (incomplete); ValueError if invalid."""
        key = object_key(self.prefix, backup_id, MANIFEST_NAME)
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except AWS_ERRORS as exc:
            if is_not_found(exc):
                return None
            raise StorageError(f"reading s3://{self.bucket}/{key}: {describe(exc)}") from exc
        manifest = parse_manifest(body)
        if manifest.prefix != self.prefix:
            raise ManifestInvalid(f"manifest is for prefix {manifest.prefix!r}")
        return manifest

    def newest(self, at: datetime) -> Selection:
        return select_backup(self.backup_ids(), at, self.load_manifest, where=self.location)

    def write_manifest(self, manifest: Manifest) -> None:
        with aws_errors(f"writing s3://{self.bucket}/{manifest.key}"):
            self.client.put_object(
                Bucket=self.bucket,
                Key=manifest.key,
                Body=manifest.to_json(),
                ContentType="application/json",
            )

    def upload(
        self,
        key: str,
        *,
        content_type: str,
        metadata: dict[str, str],
        part_size: int = DEFAULT_PART_SIZE,
        max_in_flight: int = 4,
        on_progress: Callable[[int], None] | None = None,
    ) -> StreamingUpload:
        return StreamingUpload(
            self.client,
            self.bucket,
            key,
            part_size=part_size,
            max_in_flight=max_in_flight,
            content_type=content_type,
            metadata=metadata,
            on_progress=on_progress,
        )

    def stream(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]:
        """The object's bytes in chunks, read while they arrive (one GET)."""
        where = f"downloading s3://{self.bucket}/{key}"
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            with contextlib.closing(body):
                yield from body.iter_chunks(chunk_size)
        except AWS_ERRORS as exc:
            reason = "object missing" if is_not_found(exc) else describe(exc)
            raise StorageError(f"{where}: {reason}") from exc
        except (OSError, urllib3.exceptions.HTTPError) as exc:
            raise StorageError(f"{where}: connection lost: {exc}") from exc

    def download(
        self, key: str, path: Path, on_progress: Callable[[int], None] | None = None
    ) -> None:
        try:
            self.client.download_file(self.bucket, key, str(path), Callback=on_progress)
        except AWS_ERRORS as exc:
            reason = "object missing" if is_not_found(exc) else describe(exc)
            raise StorageError(f"downloading s3://{self.bucket}/{key}: {reason}") from exc
