"""Which backup to restore: the newest complete one that finished at or before ``--at``.

Pure logic over backup ids and a manifest loader, so the ``--at`` rules are unit-tested
without a bucket. A backup id is its UTC start time, so any backup that could have
finished by ``at`` has an id no later than ``at``; candidates are tried newest first and
their manifests fetched one by one until one qualifies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from ops.errors import NoBackupError
from ops.manifest import Manifest, backup_id_time, is_backup_id


@dataclass(frozen=True)
class Selection:
    manifest: Manifest
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (backup id, why)


def select_backup(
    backup_ids: Iterable[str],
    at: datetime,
    load: Callable[[str], Manifest | None],
    where: str = "the bucket",
) -> Selection:
    """Newest backup whose manifest is valid and whose ``finished_at <= at``.

    ``load`` returns the manifest, ``None`` when there is none (an incomplete backup), or
    raises ``ValueError`` when it is unreadable; both are skipped and reported.
    """
    skipped: list[tuple[str, str]] = []
    candidates = sorted((i for i in set(backup_ids) if is_backup_id(i)), reverse=True)
    for backup_id in candidates:
        if backup_id_time(backup_id) > at:
            continue
        try:
            manifest = load(backup_id)
        except ValueError as exc:
            skipped.append((backup_id, f"invalid manifest: {exc}"))
            continue
        if manifest is None:
            skipped.append((backup_id, "incomplete: no manifest"))
            continue
        if manifest.backup_id != backup_id:
            skipped.append((backup_id, f"manifest names another backup ({manifest.backup_id})"))
            continue
        if manifest.finished_at > at:
            skipped.append((backup_id, f"finished after {at.isoformat()}"))
            continue
        return Selection(manifest=manifest, skipped=skipped)
    found = f"{len(candidates)} backup(s) in {where}" if candidates else f"no backups in {where}"
    passed = "".join(f"; skipped {backup_id}: {reason}" for backup_id, reason in skipped)
    raise NoBackupError(f"no complete backup at or before {at.isoformat()} ({found}{passed})")
