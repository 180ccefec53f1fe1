"""PostgreSQL: ``pg_dump --format=custom`` streamed out, ``pg_restore`` back in.

Compression: the custom format already compresses every table's data with zlib (pg_dump's
default level) while keeping the archive's table of contents readable, which is what lets
``pg_restore`` list, select and reorder objects. Gzipping that stream again would cost a
second full pass of CPU for a few percent at best (compressed data does not compress), and
zstd is not in the standard library. So the dump is uploaded exactly as pg_dump writes it:
already compressed, never staged on disk, hashed on the way. (pg_dump 16+ could use
``--compress=zstd``; PostgreSQL 15 offers only gzip.) pg_dump's single-threaded zlib is
what bounds backup time (see docs/ops-backup.md); ``--pg-compress 1`` trades a larger
object for a much faster dump.

Restore runs ``pg_restore --no-owner --single-transaction --exit-on-error`` into an
EMPTY database (restore refuses a non-empty one): one transaction, so a failed restore
leaves the target as it was. ``--replace`` empties the target in that same transaction
first (``ops.sources.postgres_contents``).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from ops.errors import RestoreError, SourceError
from ops.manifest import SourceName
from ops.sources import Sink
from ops.sources.process_stream import ProcessFailed, last_lines, stream_stdout
from ops.tools import find_tool, tool_version
from ops.urls import PostgresUrl

CONNECT_TIMEOUT = "10"


def _env(url: PostgresUrl) -> dict[str, str]:
    return {"PGCONNECT_TIMEOUT": CONNECT_TIMEOUT, **url.env()}


def psql_argv(url: PostgresUrl) -> list[str]:
    """psql without ~/.psqlrc or prompts, unaligned, tuples only, unit-separated fields."""
    return [
        find_tool("psql"),
        "-X",
        "-q",
        "-A",
        "-t",
        "-w",
        "-F",
        "\x1f",
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
        url.safe,
    ]


def run_psql(url: PostgresUrl, sql: str, *, what: str = "PostgreSQL") -> str:
    """Run SQL with psql; unaligned, tuples only, fields separated by the unit separator."""
    argv = [*psql_argv(url), "-c", sql]
    try:
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            check=False,
            timeout=3600,
            env={**os.environ, **_env(url)},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SourceError(f"{what} at {url.display}: {exc}") from exc
    if result.returncode != 0:
        reason = last_lines(result.stderr) or f"psql exit status {result.returncode}"
        raise SourceError(f"{what} at {url.display}: {reason}")
    return result.stdout


def check_reachable(url: PostgresUrl, role: str) -> str:
    """Connect once; return the server version. ``role`` names the URL in messages."""
    try:
        return run_psql(url, "SELECT current_setting('server_version')", what=role).strip()
    except SourceError as exc:
        raise SourceError(f"cannot connect: {exc}") from None


class PostgresSource:
    name: SourceName = "postgres"
    filename = "postgres.dump"
    content_type = "application/vnd.postgresql.custom-dump"
    format = "pg_dump custom format (zlib-compressed by pg_dump)"

    def __init__(
        self, url: PostgresUrl, snapshot: str | None = None, compress: int | None = None
    ) -> None:
        self.url = url
        self.snapshot = snapshot
        self.compress = compress  # zlib level 0-9 for pg_dump; None: pg_dump's default

    def preflight(self) -> dict[str, str]:
        server = check_reachable(self.url, "PostgreSQL")
        return {"pg_dump": tool_version(find_tool("pg_dump")), "postgres_server": server}

    def argv(self) -> list[str]:
        argv = [
            find_tool("pg_dump"),
            "--format=custom",
            "--no-password",
            f"--dbname={self.url.safe}",
        ]
        if self.snapshot:
            argv.append(f"--snapshot={self.snapshot}")
        if self.compress is not None:
            argv.append(f"--compress={self.compress}")
        return argv

    def chunks(self) -> Iterator[bytes]:
        """pg_dump's stdout, chunk by chunk (tests wrap this to inject a failing stream)."""
        return stream_stdout(self.argv(), env=_env(self.url))

    def write_to(self, sink: Sink) -> dict[str, str]:
        try:
            for chunk in self.chunks():
                sink.write(chunk)
        except ProcessFailed as exc:
            raise SourceError(f"pg_dump of {self.url.display} failed: {exc.stderr}") from None
        except OSError as exc:
            raise SourceError(f"pg_dump of {self.url.display} failed: {exc}") from exc
        details = {"database": self.url.dbname, "host": self.url.host, "port": str(self.url.port)}
        if self.snapshot:
            details["snapshot"] = self.snapshot
        details["compress"] = "default" if self.compress is None else str(self.compress)
        return details


def restore_postgres(dump: Path, target: PostgresUrl) -> None:
    argv = [
        find_tool("pg_restore"),
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={target.safe}",
        str(dump),
    ]
    try:
        result = subprocess.run(
            argv, capture_output=True, text=True, check=False, env={**os.environ, **_env(target)}
        )
    except OSError as exc:
        raise RestoreError(f"pg_restore could not start: {exc}") from exc
    if result.returncode != 0:
        raise RestoreError(
            f"pg_restore into {target.display} failed (the target was left "
            f"unchanged: single transaction): {last_lines(result.stderr)}"
        )
