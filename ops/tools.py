"""Locate the external programs ops drives (pg_dump, pg_restore, psql, redis-cli, redis-server)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

from ops.errors import SourceError

POSTGRES_TOOLS = frozenset({"pg_dump", "pg_restore", "psql", "pg_isready"})


def find_tool(name: str) -> str:
    """Path of ``name``: ``$OPS_PG_BINDIR`` for PostgreSQL tools, then PATH, then the newest
    ``/usr/lib/postgresql/*/bin`` (Debian keeps versioned binaries there)."""
    if name in POSTGRES_TOOLS:
        bindir = os.environ.get("OPS_PG_BINDIR")
        if bindir and (Path(bindir) / name).exists():
            return str(Path(bindir) / name)
    found = shutil.which(name)
    if found:
        return found
    if name in POSTGRES_TOOLS:
        candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_major)
        if candidates:
            return candidates[-1]
    package = "postgresql-client" if name in POSTGRES_TOOLS else "redis-tools / redis-server"
    raise SourceError(f"{name} not found on PATH: install {package}")


def _major(path: str) -> int:
    try:
        return int(Path(path).parts[4])
    except (IndexError, ValueError):
        return 0


def tool_version(path: str) -> str:
    """First line of ``PROGRAM --version`` (e.g. ``pg_dump (PostgreSQL) 15.8``)."""
    try:
        result = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as exc:
        raise SourceError(f"cannot run {path}: {exc.strerror}") from exc
    lines = (result.stdout or result.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"
