"""Which server and database a target really is: asked of the servers, never read from URLs.

URL text cannot tell whether two URLs reach the same data: ``localhost``, ``127.0.0.1``,
``[::1]``, the host's own name, a DNS alias, a second port through a proxy and a Unix
socket all name the same server. The drill must never restore into (drop, recreate,
FLUSHDB) its source, so it compares what the servers themselves report, read-only and
before anything is written:

- PostgreSQL: ``system_identifier`` from ``pg_control_system()`` (unique per cluster,
  readable by any role) with ``current_database()``. A physical replica or a clone of
  the cluster shares the identifier; both are refused too, which is the safe side.
- Redis: ``run_id`` from ``INFO server`` (random per server process) with the db number.
- Directories: the device and inode of the directory and of every existing ancestor,
  after resolving symlinks and ``..``, so links, bind mounts and nesting are all seen.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from ops.errors import SourceError, UsageError
from ops.sources.postgres import run_psql
from ops.urls import PostgresUrl, RedisUrl

POSTGRES_IDENTITY_SQL = "SELECT system_identifier, current_database() FROM pg_control_system()"


@dataclass(frozen=True)
class DatabaseIdentity:
    """One database on one server, as the server reports it."""

    server: str  # PostgreSQL system identifier, Redis run_id
    database: str  # PostgreSQL database name, Redis db number

    def describe(self, kind: str) -> str:
        if kind == "postgres":
            return f"same server: system identifier {self.server}, database {self.database}"
        return f"same server: run_id {self.server[:12]}..., db {self.database}"


def postgres_identity(url: PostgresUrl, role: str) -> DatabaseIdentity:
    try:
        output = run_psql(url, POSTGRES_IDENTITY_SQL, what=role).strip()
    except SourceError as exc:
        raise SourceError(f"cannot connect: {exc}") from None
    fields = output.split("\x1f")
    if len(fields) != 2 or not fields[0]:
        raise UsageError(f"{role} at {url.display}: cannot tell which server it is ({output!r})")
    return DatabaseIdentity(server=fields[0], database=fields[1])


def redis_identity(url: RedisUrl, role: str) -> DatabaseIdentity:
    try:
        with contextlib.closing(url.client(timeout=5, retries=0)) as client:
            info: Any = client.info("server")
    except redis.RedisError as exc:
        raise SourceError(f"cannot connect: {role} at {url.display}: {exc}") from None
    run_id = str(info.get("run_id", ""))
    if not run_id:
        raise UsageError(
            f"{role} at {url.display}: INFO server reports no run_id, so it cannot be told "
            "apart from the source (a proxy in between?): connect to the server directly"
        )
    return DatabaseIdentity(server=run_id, database=str(url.db))


def _identities(path: Path) -> list[tuple[int, int]]:
    """(device, inode) of ``path`` and of each existing ancestor, innermost first."""
    found = []
    resolved = path.expanduser().resolve()
    for candidate in (resolved, *resolved.parents):
        with contextlib.suppress(OSError):
            status = candidate.stat()
            found.append((status.st_dev, status.st_ino))
    return found


def directories_overlap(first: Path, second: Path) -> bool:
    """Whether one directory is the other, or inside it, through any links or mounts."""
    first_chain, second_chain = _identities(first), _identities(second)
    first_is = first_chain[:1] if first.exists() else []
    second_is = second_chain[:1] if second.exists() else []
    return bool(set(first_is) & set(second_chain) or set(second_is) & set(first_chain))
