"""A configuration directory: archived as a streamed tar.gz, extracted back safely.

Backup walks the directory in sorted order (so equal trees give equal archives), adds
directories, regular files and symlinks with paths relative to the directory, and skips
sockets, FIFOs and devices (reported in the manifest). The tar stream is gzipped (level 6)
and written straight into the upload; nothing is staged on disk.

Restore first checks EVERY member with the standard library's ``data`` extraction filter
(PEP 706: no absolute paths, no ``..``, no links leaving the directory, no devices) and
only then extracts, so a hostile or damaged archive is refused before a single file is
written. Restore refuses a non-empty target directory unless ``--replace`` is given, which
empties it (after the archive passed the checks; the directory itself is kept, it may be a
mount point) so it ends up exactly as backed up, never a mix.
"""

from __future__ import annotations

import gzip
import os
import shutil
import stat
import tarfile
from pathlib import Path

from ops.errors import RestoreError, SourceError, UsageError
from ops.manifest import Compression, SourceName
from ops.sources import Sink

GZIP_LEVEL = 6


def config_directory(path: str, option: str = "--config") -> Path:
    directory = Path(path).expanduser()
    if not directory.exists():
        raise UsageError(f"{option}: directory {directory} does not exist")
    if not directory.is_dir():
        raise UsageError(f"{option}: {directory} is not a directory")
    if not os.access(directory, os.R_OK | os.X_OK):
        raise UsageError(f"{option}: directory {directory} is not readable")
    return directory.resolve()


def walk(root: Path) -> list[tuple[Path, str]]:
    """(path, archive name) for every entry under ``root``, sorted, links not followed."""
    entries: list[tuple[Path, str]] = []

    def fail(error: OSError) -> None:
        raise SourceError(f"cannot read {error.filename}: {error.strerror}")

    for current, dirs, files in os.walk(root, onerror=fail, followlinks=False):
        dirs.sort()
        base = Path(current)
        for name in sorted([*dirs, *files]):
            path = base / name
            entries.append((path, path.relative_to(root).as_posix()))
    entries.sort(key=lambda entry: entry[1])
    return entries


class ConfigDirSource:
    name: SourceName = "config"
    filename = "config.tar.gz"
    content_type = "application/gzip"
    format = "tar (PAX), gzip level 6"
    compression: Compression = "none"  # already compressed: stored as written

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def preflight(self) -> dict[str, str]:
        config_directory(str(self.directory))
        return {}

    def write_to(self, sink: Sink) -> dict[str, str]:
        files = skipped = total = 0
        try:
            with (
                gzip.GzipFile(
                    fileobj=sink, mode="wb", compresslevel=GZIP_LEVEL, mtime=0
                ) as compressed,
                tarfile.open(fileobj=compressed, mode="w|", format=tarfile.PAX_FORMAT) as tar,
            ):
                for path, arcname in walk(self.directory):
                    mode = path.lstat().st_mode
                    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
                        skipped += 1
                        continue
                    tar.add(path, arcname=arcname, recursive=False)
                    if stat.S_ISREG(mode):
                        files += 1
                        total += path.lstat().st_size
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            raise SourceError(
                f"cannot archive {self.directory}:{where} {exc.strerror or exc}"
            ) from exc
        return {
            "directory": str(self.directory),
            "files": str(files),
            "bytes": str(total),
            "skipped_special_files": str(skipped),
        }


def directory_entries(path: Path) -> list[str]:
    """Names in ``path`` (none when it does not exist yet)."""
    if not path.exists():
        return []
    if not path.is_dir():
        raise UsageError(f"--config: {path} exists and is not a directory")
    return sorted(entry.name for entry in path.iterdir())


def clear_directory(path: Path) -> None:
    """Remove everything inside ``path``; links are removed, never followed."""
    for entry in path.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def restore_config(archive: Path, target: Path, replace: bool = False) -> int:
    """Extract ``archive`` into ``target`` after every member passed the data filter;
    ``replace`` empties ``target`` first (only once the archive is known to be good)."""
    try:
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive, mode="r:gz") as tar:
            members = tar.getmembers()
            destination = str(target.resolve())
            for member in members:
                try:
                    tarfile.data_filter(member, destination)
                except tarfile.FilterError as exc:
                    raise RestoreError(
                        f"config archive refused, nothing extracted: {exc}"
                    ) from None
            if replace:
                clear_directory(target)
            tar.extractall(target, members=members, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise RestoreError(f"extracting the config archive into {target} failed: {exc}") from exc
    return sum(1 for member in members if member.isfile())
