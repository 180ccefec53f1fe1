"""Restore PostgreSQL straight from S3: download, verify and load in one pass, no disk.

The object's bytes are hashed as they arrive, decompressed (zstd objects) and written into
a ``PostgresLoad``, whose single transaction can only commit once the last bytes of the
dump are in. The last decompressed chunk is held back until size and SHA-256 match the
manifest: on a mismatch the load is aborted and rolled back, so, as with the download-
then-verify path it replaces, nothing is restored from a damaged backup. A reader thread
keeps the next chunks coming while pg_restore works.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
from collections.abc import Iterator

import zstandard

from ops.backup_store import BackupStore
from ops.checksums import mismatch, verification_failed
from ops.compression import decompressor
from ops.errors import RestoreError
from ops.manifest import Manifest
from ops.progress import TransferProgress
from ops.sources.postgres_load import PostgresLoad
from ops.urls import PostgresUrl

PREFETCH_CHUNKS = 16  # 1 MiB each: what the reader may run ahead of pg_restore
_END = object()


def prefetched(chunks: Iterator[bytes], depth: int = PREFETCH_CHUNKS) -> Iterator[bytes]:
    """``chunks`` read by a background thread, ``depth`` ahead; its errors re-raised here."""
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def read() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                ready.put(chunk)
            ready.put(_END)
        except BaseException as exc:  # handed to the consumer, raised there
            ready.put(exc)

    reader = threading.Thread(target=read, name="s3-read", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, bytes)
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):  # free a reader blocked on a full queue
            while True:
                ready.get_nowait()


def restore_postgres_streamed(
    store: BackupStore,
    manifest: Manifest,
    target: PostgresUrl,
    progress: TransferProgress,
    *,
    replace: bool,
) -> None:
    entry = manifest.sources["postgres"]
    bar = progress.task("download + restore postgres", total=entry.size)
    unpack = decompressor() if entry.compression == "zstd" else None
    digest, size, held = hashlib.sha256(), 0, b""
    feeding, problem = True, ""
    load = PostgresLoad(target, replace)
    try:
        for chunk in prefetched(store.stream(entry.key)):
            digest.update(chunk)
            size += len(chunk)
            bar(len(chunk))
            if not feeding:
                continue  # keep hashing: a damaged object must be reported as such
            try:
                data = unpack.decompress(chunk) if unpack is not None else chunk
            except zstandard.ZstdError as exc:
                feeding, problem = False, f"the zstd stream is damaged: {exc}"
                continue
            if data:
                feeding = load.write(held) if held else True
                held = data
        bad = mismatch(size, digest.hexdigest(), entry)
        if bad:
            load.abort()
            where = f"postgres (s3://{store.bucket}/{entry.key})"
            raise verification_failed(manifest, [f"{where}: {bad}"], streamed=True)
        if unpack is not None and feeding and not unpack.eof:
            feeding, problem = False, "the zstd stream ends early"
        if not feeding:
            raise RestoreError(
                f"restoring postgres into {target.display} failed, rolled back: "
                f"{problem or load.failure()}"
            )
        load.write(held)
        load.finish()
    except BaseException:
        load.abort()
        raise
    bar.done()
