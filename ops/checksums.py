"""Prove downloaded objects are exactly what the backup wrote, before anything is restored."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ops.backup_store import BackupStore
from ops.errors import ChecksumError, StorageError
from ops.manifest import Manifest, SourceEntry
from ops.progress import TransferProgress

BLOCK = 4 * 1024 * 1024


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def mismatch(size: int, sha256: str, entry: SourceEntry) -> str | None:
    """Why (size, sha256) do not match ``entry``, or None when both match."""
    if size != entry.size:
        return f"size {size} bytes, manifest says {entry.size}"
    if sha256 != entry.sha256:
        return f"sha256 {sha256[:16]}..., manifest says {entry.sha256[:16]}..."
    return None


def check_file(path: Path, entry: SourceEntry) -> str | None:
    """Why ``path`` does not match ``entry``, or None when size and SHA-256 both match."""
    size = path.stat().st_size
    if size != entry.size:
        return mismatch(size, "", entry)
    return mismatch(size, sha256_file(path), entry)


def verification_failed(
    manifest: Manifest, problems: list[str], streamed: bool = False
) -> ChecksumError:
    note = " (the PostgreSQL load was rolled back)" if streamed else ""
    return ChecksumError(
        f"backup {manifest.backup_id} failed verification, nothing was restored{note}: "
        + "; ".join(problems)
    )


def download_and_verify(
    store: BackupStore,
    manifest: Manifest,
    workdir: Path,
    progress: TransferProgress,
    skip: frozenset[str] = frozenset(),
) -> dict[str, Path]:
    """Download every object of the backup (but ``skip``) and check each against the
    manifest. Raises ``ChecksumError`` naming all bad objects; nothing is restored yet.
    """
    files: dict[str, Path] = {}
    problems: list[str] = []
    for name, entry in manifest.sources.items():
        if name in skip:
            continue
        path = workdir / Path(entry.key).name
        try:
            store.download(entry.key, path, progress.task(f"download {name}", total=entry.size))
        except StorageError as exc:
            problems.append(f"{name}: {exc}")
            continue
        problem = check_file(path, entry)
        if problem:
            problems.append(f"{name} (s3://{store.bucket}/{entry.key}): {problem}")
        files[name] = path
    if problems:
        raise verification_failed(manifest, problems)
    return files
