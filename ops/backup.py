"""One backup: preflight every source, stream each into S3, write the manifest last.

Order matters for losing nothing:

1. every source is checked (connect, read the directory) and the bucket is checked before a
   single byte is uploaded, so an unreachable database uploads nothing;
2. each source streams into its own object; a failure aborts that object's multipart
   upload and stops the backup (objects already completed stay, unreferenced, until the
   bucket's lifecycle expires them: ops never deletes);
3. ``manifest.json`` is written only after every object completed. Restore trusts only
   backups with a valid manifest, so an interrupted backup can never pass for complete.
"""

from __future__ import annotations

import platform
import socket
from collections.abc import Callable, Sequence
from datetime import datetime

import boto3

from ops import __version__
from ops.backup_store import BackupStore
from ops.compression import ZstdSink
from ops.errors import OpsError, UsageError
from ops.manifest import (
    FORMAT_VERSION,
    Manifest,
    SourceEntry,
    SourceName,
    backup_id_for,
    object_key,
)
from ops.progress import TransferProgress
from ops.s3_stream import DEFAULT_PART_SIZE, upload_concurrency
from ops.sources import Source
from ops.timeparse import utcnow


class BackupFailed(OpsError):
    pass


def ratio(entry: SourceEntry) -> str:
    """Uploaded bytes as a share of the bytes read from the source."""
    return f"ratio {entry.size / entry.read_bytes:.2f}" if entry.read_bytes else "ratio -"


def run_backup(
    store: BackupStore,
    sources: Sequence[Source],
    progress: TransferProgress,
    *,
    part_size: int = DEFAULT_PART_SIZE,
    max_in_flight: int | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> Manifest:
    if not sources:
        raise UsageError("nothing to back up: give at least one of --postgres, --redis, --config")
    tools = {"ops": __version__, "python": platform.python_version(), "boto3": boto3.__version__}
    for source in sources:
        progress.note(f"checking {source.name} ...")
        tools.update(source.preflight())
    store.check_bucket()

    started = clock()
    backup_id = backup_id_for(started)
    progress.note(f"backup {backup_id} -> {store.location}{backup_id}/")
    entries: dict[SourceName, SourceEntry] = {}
    in_flight = max_in_flight or upload_concurrency()
    for source in sources:
        key = object_key(store.prefix, backup_id, source.filename)
        source_started = clock()
        bar = progress.task(f"{source.name:8} -> {source.filename}")
        upload = store.upload(
            key,
            content_type=source.content_type,
            part_size=part_size,
            max_in_flight=in_flight,
            metadata={"ops-backup-id": backup_id, "ops-source": source.name},
            on_progress=bar,
        )
        compressed = ZstdSink(upload) if source.compression == "zstd" else None
        try:
            details = source.write_to(compressed or upload)
            if compressed is not None:
                compressed.close()
            result = upload.complete()
        except OpsError as exc:
            problem = upload.abort()
            message = (
                f"backup {backup_id} failed at {source.name}: {exc}. No manifest was "
                "written, so restore ignores this backup; fix the cause and run "
                "the backup again."
            )
            raise BackupFailed(f"{message} ({problem})" if problem else message) from exc
        except BaseException:
            upload.abort()
            raise
        read = compressed.bytes_in if compressed is not None else result.size
        share = result.size / read if read else 1.0
        entries[source.name] = SourceEntry(
            key=result.key,
            size=result.size,
            sha256=result.sha256,
            started_at=source_started,
            finished_at=clock(),
            content_type=source.content_type,
            format=source.format,
            details={**details, "parts": str(result.parts), "ratio": f"{share:.3f}"},
            compression=source.compression,
            source_bytes=read,
        )
        bar.done()
        progress.note(
            f"{source.name}: read {entries[source.name].read_bytes:,} bytes, uploaded "
            f"{result.size:,} ({ratio(entries[source.name])}), sha256 {result.sha256[:16]}..."
        )

    manifest = Manifest(
        format_version=FORMAT_VERSION,
        backup_id=backup_id,
        prefix=store.prefix,
        started_at=started,
        finished_at=clock(),
        sources=entries,
        tools=tools,
        ops_version=__version__,
        host=socket.gethostname(),
    )
    try:
        store.write_manifest(manifest)
    except OpsError as exc:
        raise BackupFailed(
            f"backup {backup_id}: every object was uploaded but {exc}; "
            "without a manifest the backup counts as incomplete"
        ) from exc
    return manifest
