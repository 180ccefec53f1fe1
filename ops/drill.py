"""Disaster-recovery drill: back up, restore into scratch targets, prove they match.

The drill exercises the real path end to end, ``ops backup`` then ``ops restore`` of that
very backup into scratch targets, and compares content:

- PostgreSQL: every table's row count and content digest, every sequence's position. The
  source is fingerprinted inside the snapshot pg_dump used, so writes during the drill
  cannot cause false alarms.
- Redis: every key of the database, its type, a digest of its value, and whether it has a
  TTL. The source is read just before the backup; keys written or expiring during the
  drill show up as differences (drill a quiet Redis, or accept those).
- Config: the set of files, directories and symlinks, and every file byte for byte.

Scratch targets must be other databases than the sources, as the servers themselves
report (see ``ops.identity``: URL text proves nothing); they are replaced (emptied, then
restored) so they end up equal to the backup. The scratch config directory must be
empty (a temporary one is used when omitted).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ops.backup import run_backup
from ops.backup_store import BackupStore
from ops.errors import UsageError
from ops.fingerprints import postgres as pg_fp
from ops.fingerprints import redis as redis_fp
from ops.fingerprints.config_dir import compare_directories
from ops.identity import directories_overlap, postgres_identity, redis_identity
from ops.objectives import ObjectiveResult
from ops.progress import TransferProgress
from ops.restore import RestoreTargets, run_restore
from ops.s3_stream import DEFAULT_PART_SIZE
from ops.sources import Source
from ops.sources import postgres as pg
from ops.sources import redis as rd
from ops.sources.config_dir import ConfigDirSource
from ops.timeparse import utcnow
from ops.urls import PostgresUrl, RedisUrl

EXAMPLES = 5


@dataclass(frozen=True)
class Check:
    area: str
    item: str
    source: str
    restored: str
    ok: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "item": self.item,
            "source": self.source,
            "restored": self.restored,
            "ok": self.ok,
        }


@dataclass
class DrillReport:
    backup_id: str
    checks: list[Check] = field(default_factory=list)
    objectives: list[ObjectiveResult] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    @property
    def objectives_met(self) -> bool:
        return all(result.met for result in self.objectives)

    def as_dict(self) -> dict[str, Any]:
        return {
            "backup_id": self.backup_id,
            "matched": self.matched,
            "objectives_met": self.objectives_met,
            "checks": [check.as_dict() for check in self.checks],
            "objectives": [result.as_dict() for result in self.objectives],
        }


@dataclass(frozen=True)
class DrillPlan:
    postgres: PostgresUrl | None
    redis: RedisUrl | None
    config: Path | None
    scratch_postgres: PostgresUrl | None
    scratch_redis: RedisUrl | None
    scratch_config: Path | None

    def validate(self) -> None:
        """What can be checked without asking a server (see ``refuse_sources_as_scratch``)."""
        if not (self.postgres or self.redis or self.config):
            raise UsageError("nothing to drill: give at least one of --postgres, --redis, --config")
        if self.postgres and not self.scratch_postgres:
            raise UsageError("--postgres needs --scratch-postgres to restore into")
        if self.redis and not self.scratch_redis:
            raise UsageError("--redis needs --scratch-redis to restore into")
        if self.config and self.scratch_config:
            scratch = self.scratch_config.resolve()
            if directories_overlap(self.config, self.scratch_config):
                raise UsageError(
                    "--scratch-config must not overlap the --config directory (it is the "
                    "same directory, inside it or contains it, through links or mounts)"
                )
            if scratch.exists() and (not scratch.is_dir() or any(scratch.iterdir())):
                raise UsageError(f"--scratch-config: {scratch} must be an empty directory")

    def refuse_sources_as_scratch(self) -> None:
        """Ask the servers which database each URL reaches; refuse the source as scratch.

        Read-only, and before anything is backed up, restored or flushed: any other name
        for the source (a host alias, another address, a proxy, a Unix socket) is caught.
        """
        if self.postgres and self.scratch_postgres:
            source = postgres_identity(self.postgres, "PostgreSQL")
            if source == postgres_identity(self.scratch_postgres, "scratch PostgreSQL"):
                raise UsageError(
                    f"--scratch-postgres is the source database ({source.describe('postgres')}):"
                    " refusing to overwrite it; use another database"
                )
        if self.redis and self.scratch_redis:
            source = redis_identity(self.redis, "Redis")
            if source == redis_identity(self.scratch_redis, "scratch Redis"):
                raise UsageError(
                    f"--scratch-redis is the source database ({source.describe('redis')}):"
                    " refusing to flush it; use another db number or server"
                )


def run_drill(
    store: BackupStore,
    plan: DrillPlan,
    progress: TransferProgress,
    *,
    rpo: timedelta,
    rto: timedelta,
    part_size: int = DEFAULT_PART_SIZE,
) -> DrillReport:
    plan.validate()
    plan.refuse_sources_as_scratch()

    temporary = None
    scratch_config = plan.scratch_config
    if plan.config and scratch_config is None:
        temporary = Path(tempfile.mkdtemp(prefix="ops-drill-config-"))
        scratch_config = temporary
    try:
        redis_before = None
        if plan.redis:
            rd.check_reachable(plan.redis, "Redis")
            redis_before = redis_fp.fingerprint_redis(plan.redis)
        sources: list[Source] = []
        if plan.redis:
            sources.append(rd.RedisSource(plan.redis))
        if plan.config:
            sources.append(ConfigDirSource(plan.config))

        postgres_before = None
        if plan.postgres:
            with pg_fp.SnapshotSession(plan.postgres) as session:
                sources.insert(0, pg.PostgresSource(plan.postgres, snapshot=session.snapshot_id))
                manifest = run_backup(store, sources, progress, part_size=part_size)
                postgres_before = session.fingerprint()
        else:
            manifest = run_backup(store, sources, progress, part_size=part_size)

        targets = RestoreTargets(
            postgres=plan.scratch_postgres,
            redis=plan.scratch_redis,
            config=scratch_config if plan.config else None,
            replace=True,
        )
        restored = run_restore(
            store, targets, progress, at=utcnow(), rpo=rpo, rto=rto, backup_id=manifest.backup_id
        )
        report = DrillReport(backup_id=manifest.backup_id, objectives=restored.objectives)
        if postgres_before is not None and plan.scratch_postgres:
            after = pg_fp.fingerprint_database(plan.scratch_postgres)
            report.checks += compare_postgres(postgres_before, after)
        if redis_before is not None and plan.scratch_redis:
            report.checks += compare_redis(
                redis_before, redis_fp.fingerprint_redis(plan.scratch_redis)
            )
        if plan.config and scratch_config is not None:
            report.checks += compare_config(plan.config, scratch_config)
        return report
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


def compare_postgres(source: pg_fp.Fingerprint, restored: pg_fp.Fingerprint) -> list[Check]:
    checks = []
    for name in sorted(set(source) | set(restored)):
        left, right = source.get(name), restored.get(name)
        checks.append(
            Check(
                area="postgres",
                item=name,
                source=left.describe() if left else "absent",
                restored=right.describe() if right else "absent",
                ok=left is not None
                and right is not None
                and (left.rows, left.digest) == (right.rows, right.digest),
            )
        )
    if not checks:
        checks.append(Check("postgres", "tables", "0 tables", "0 tables", True))
    return checks


def _examples(keys: list[bytes]) -> str:
    shown = ", ".join(key.decode(errors="replace") for key in keys[:EXAMPLES])
    return shown + (f" (+{len(keys) - EXAMPLES} more)" if len(keys) > EXAMPLES else "")


def compare_redis(source: redis_fp.Fingerprint, restored: redis_fp.Fingerprint) -> list[Check]:
    missing = sorted(set(source) - set(restored))
    extra = sorted(set(restored) - set(source))
    common = sorted(set(source) & set(restored))
    values = [
        k
        for k in common
        if (source[k].type, source[k].digest) != (restored[k].type, restored[k].digest)
    ]
    ttls = [k for k in common if source[k].has_ttl != restored[k].has_ttl]
    with_ttl = sum(1 for f in source.values() if f.has_ttl)
    restored_ttl = sum(1 for f in restored.values() if f.has_ttl)
    keys_note = ""
    if missing:
        keys_note += f"; missing: {_examples(missing)}"
    if extra:
        keys_note += f"; extra: {_examples(extra)}"
    return [
        Check(
            "redis",
            "keys",
            f"{len(source)} keys",
            f"{len(restored)} keys{keys_note}",
            not missing and not extra,
        ),
        Check(
            "redis",
            "values",
            f"{len(common)} compared",
            f"{len(values)} differ" + (f": {_examples(values)}" if values else ""),
            not values,
        ),
        Check(
            "redis",
            "TTL presence",
            f"{with_ttl} with TTL",
            f"{restored_ttl} with TTL" + (f"; differ: {_examples(ttls)}" if ttls else ""),
            not ttls,
        ),
    ]


def compare_config(source: Path, restored: Path) -> list[Check]:
    result = compare_directories(source, restored)
    detail = []
    for label, names in (
        ("missing", result.missing),
        ("extra", result.extra),
        ("different", result.different),
    ):
        if names:
            shown = ", ".join(names[:EXAMPLES]) + (" ..." if len(names) > EXAMPLES else "")
            detail.append(f"{label}: {shown}")
    return [
        Check(
            "config",
            "files (byte for byte)",
            f"{result.source_files} files",
            f"{result.restored_files} files" + ("; " + "; ".join(detail) if detail else ""),
            result.ok,
        )
    ]
