"""Restore: choose a backup, verify all of it, then and only then touch the targets.

0. check every argument: ``--at`` must not be in the future;
1. choose the newest complete backup that finished at or before ``--at`` (or the one
   named by ``--backup-id``);
2. check the targets are reachable and EMPTY (read-only): a restore into a target that
   holds data would leave a mix of old and restored data, so it is refused unless
   ``replace`` is set, which empties each target first so it equals the backup exactly
   (PostgreSQL: in the restore's own transaction; Redis: FLUSHDB; config: the directory's
   contents, once the archive passed its checks);
3. download every object but PostgreSQL's and verify size and SHA-256 against the
   manifest: any mismatch stops here, with every target untouched;
4. stream the PostgreSQL object from S3 into pg_restore, verifying it on the way; the
   load commits only once size and SHA-256 matched (``ops.streamed_restore``), so a bad
   object still leaves every target untouched; then restore Redis and the config
   directory (whichever targets were given);
5. report achieved RPO (``--at`` minus the backup's end) and RTO (wall time of 1-4)
   against the objectives.

The Redis RDB and the config archive are downloaded into a private temporary directory
(``--work-dir``, removed afterwards): both must be whole before they can be read. The
PostgreSQL dump, by far the largest, never touches the disk.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ops.backup_store import BackupStore
from ops.checksums import download_and_verify
from ops.errors import NoBackupError, OpsError, RestoreError, UsageError
from ops.manifest import Manifest, ManifestInvalid, is_backup_id
from ops.objectives import ObjectiveResult, evaluate, format_duration
from ops.progress import TransferProgress
from ops.sources import postgres as pg
from ops.sources import redis as rd
from ops.sources.config_dir import directory_entries, restore_config
from ops.sources.postgres_contents import database_contents, describe
from ops.streamed_restore import restore_postgres_streamed
from ops.timeparse import utcnow
from ops.urls import PostgresUrl, RedisUrl


@dataclass(frozen=True)
class RestoreTargets:
    postgres: PostgresUrl | None = None
    redis: RedisUrl | None = None
    config: Path | None = None
    replace: bool = False  # empty every target first, so it ends up equal to the backup
    flush_redis: bool = False  # the same for the Redis target only (the older option)

    @property
    def replace_redis(self) -> bool:
        return self.replace or self.flush_redis

    def names(self) -> list[str]:
        given = {"postgres": self.postgres, "redis": self.redis, "config": self.config}
        return [name for name, target in given.items() if target is not None]


REFUSED_MIX = (
    "restoring into it would leave a mix of its data and the backup's; restore into an "
    "empty one, or give --replace to empty it first"
)


@dataclass
class RestoreReport:
    manifest: Manifest
    at: datetime
    verified: dict[str, str]
    restored: dict[str, str]
    objectives: list[ObjectiveResult]
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def objectives_met(self) -> bool:
        return all(result.met for result in self.objectives)

    def as_dict(self) -> dict[str, Any]:
        return {
            "backup_id": self.manifest.backup_id,
            "backup_finished_at": self.manifest.finished_at.isoformat(),
            "at": self.at.isoformat(),
            "verified": self.verified,
            "restored": self.restored,
            "objectives": [result.as_dict() for result in self.objectives],
            "objectives_met": self.objectives_met,
            "skipped_backups": [{"backup_id": b, "reason": r} for b, r in self.skipped],
        }


def choose_backup(
    store: BackupStore, at: datetime, backup_id: str | None
) -> tuple[Manifest, list[tuple[str, str]]]:
    if backup_id is None:
        selection = store.newest(at)
        return selection.manifest, selection.skipped
    if not is_backup_id(backup_id):
        raise UsageError(f"--backup-id: malformed id {backup_id!r} (e.g. 20250101T120000.000000Z)")
    try:
        manifest = store.load_manifest(backup_id)
    except ManifestInvalid as exc:
        raise NoBackupError(f"backup {backup_id} has an invalid manifest: {exc}") from None
    if manifest is None:
        raise NoBackupError(
            f"backup {backup_id} in {store.location} is incomplete or missing (no manifest)"
        )
    if manifest.finished_at > at:
        raise UsageError(f"backup {backup_id} finished after --at {at.isoformat()}")
    return manifest, []


def check_targets(manifest: Manifest, targets: RestoreTargets) -> None:
    names = targets.names()
    if not names:
        raise UsageError("nothing to restore: give at least one of --postgres, --redis, --config")
    missing = [name for name in names if name not in manifest.sources]
    if missing:
        raise UsageError(
            f"backup {manifest.backup_id} holds no {', '.join(missing)} "
            f"(it has: {', '.join(manifest.sources)})"
        )
    if targets.postgres is not None:
        pg.check_reachable(targets.postgres, "target PostgreSQL")
    if targets.redis is not None:
        rd.check_reachable(targets.redis, "target Redis")
    check_empty(targets)


def check_empty(targets: RestoreTargets) -> None:
    """Refuse a target that holds data unless told to replace it (read-only)."""
    if targets.postgres is not None and not targets.replace:
        contents = database_contents(targets.postgres)
        if contents:
            raise UsageError(
                f"--postgres: database {targets.postgres.dbname} at "
                f"{targets.postgres.display} is not empty ({describe(contents)}): {REFUSED_MIX}"
            )
    if targets.redis is not None and not targets.replace_redis:
        keys = rd.key_count(targets.redis, "target Redis")
        if keys:
            raise UsageError(
                f"--redis: db {targets.redis.db} at {targets.redis.display} holds {keys} "
                f"key(s): {REFUSED_MIX}"
            )
    if targets.config is not None:
        entries = directory_entries(targets.config)
        if entries and not targets.replace:
            shown = ", ".join(entries[:5]) + (" ..." if len(entries) > 5 else "")
            raise UsageError(
                f"--config: directory {targets.config} is not empty ({len(entries)} "
                f"entries: {shown}): {REFUSED_MIX}"
            )


def check_at(at: datetime, now: datetime) -> None:
    if at > now:
        raise UsageError(
            f"--at {at.isoformat()} is in the future (now is {now.isoformat()}): "
            "give a past time, or omit --at for the newest backup"
        )


def check_space(
    manifest: Manifest, work_dir: Path | None, streamed: frozenset[str] = frozenset()
) -> None:
    """Refuse early, before downloading, when the objects to download (all but the
    ``streamed`` ones, which never touch the disk) cannot fit in the work directory."""
    where = Path(work_dir) if work_dir is not None else Path(tempfile.gettempdir())
    if not where.is_dir():
        raise UsageError(f"--work-dir: {where} is not a directory")
    needed = sum(e.size for name, e in manifest.sources.items() if name not in streamed)
    free = shutil.disk_usage(where).free
    if needed > free:
        raise RestoreError(
            f"backup {manifest.backup_id} needs {needed:,} bytes to download and "
            f"verify, but {where} has {free:,} free: use --work-dir"
        )


def run_restore(
    store: BackupStore,
    targets: RestoreTargets,
    progress: TransferProgress,
    *,
    at: datetime,
    rpo: timedelta,
    rto: timedelta,
    backup_id: str | None = None,
    work_dir: Path | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> RestoreReport:
    began = clock()
    check_at(at, utcnow())
    manifest, skipped = choose_backup(store, at, backup_id)
    for skipped_id, reason in skipped:
        progress.note(f"skipping backup {skipped_id}: {reason}")
    progress.note(
        f"restoring backup {manifest.backup_id} (finished {manifest.finished_at.isoformat()})"
    )
    check_targets(manifest, targets)

    restored: dict[str, str] = {}
    streamed = frozenset({"postgres"}) if targets.postgres is not None else frozenset()
    check_space(manifest, work_dir, streamed)
    with tempfile.TemporaryDirectory(prefix="ops-restore-", dir=work_dir) as scratch:
        files = download_and_verify(store, manifest, Path(scratch), progress, skip=streamed)
        progress.note(f"verified {len(files)} downloaded object(s) against the manifest")
        if targets.postgres is not None:
            progress.note(f"streaming postgres into {targets.postgres.display} ...")
            restore_postgres_streamed(
                store, manifest, targets.postgres, progress, replace=targets.replace
            )
            restored["postgres"] = targets.postgres.display
        try:
            if targets.redis is not None:
                source_db = int(manifest.sources["redis"].details.get("db", "0"))
                progress.note(f"restoring redis db {source_db} into {targets.redis.display} ...")
                stats = rd.restore_redis(
                    files["redis"], source_db, targets.redis, flush=targets.replace_redis
                )
                restored["redis"] = (
                    f"{targets.redis.display}: {stats.keys} keys "
                    f"({stats.with_ttl} with TTL, {stats.expired} expired)"
                )
            if targets.config is not None:
                progress.note(f"restoring config into {targets.config} ...")
                count = restore_config(files["config"], targets.config, targets.replace)
                restored["config"] = f"{targets.config}: {count} files"
        except OpsError as exc:
            done = ", ".join(restored) or "none"
            raise RestoreError(f"{exc} (already restored: {done})") from exc

    elapsed = timedelta(seconds=clock() - began)
    results = evaluate(at - manifest.finished_at, elapsed, rpo, rto)
    for result in results:
        progress.note(result.describe())
    progress.note(f"restore took {format_duration(elapsed)}")
    return RestoreReport(
        manifest=manifest,
        at=at,
        verified={name: entry.sha256 for name, entry in manifest.sources.items()},
        restored=restored,
        objectives=results,
        skipped=skipped,
    )
