"""PostgreSQL: ``pg_dump --format=custom`` streamed out, ``pg_restore`` back in.

Compression: pg_dump's own is single-threaded zlib (PostgreSQL 15 offers nothing else) and
it bounded backup time, so by default pg_dump writes an UNCOMPRESSED custom-format archive
(``--compress=0``) and ops compresses the stream with zstd level 1
(``ops.compression``) on its way into the upload: ``postgres.dump.zst``, never staged on
disk, hashed on the way. ``--pg-compress N`` restores the earlier behaviour (pg_dump's zlib
at level N, object ``postgres.dump``, no zstd).

Restore streams the dump into ``pg_restore --single-transaction`` through stdin and lets
it commit only once the object's SHA-256 is verified (``ops.sources.postgres_load``), into
an EMPTY database unless ``--replace`` empties it in that same transaction.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

from ops.compression import ZSTD_LEVEL
from ops.errors import SourceError
from ops.manifest import Compression, SourceName
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

    def __init__(
        self, url: PostgresUrl, snapshot: str | None = None, compress: int | None = None
    ) -> None:
        self.url = url
        self.snapshot = snapshot
        self.compress = compress  # pg_dump's own zlib level 0-9; None: ops's zstd instead
        self.compression: Compression = "zstd" if compress is None else "none"
        if compress is None:
            self.filename = "postgres.dump.zst"
            self.content_type = "application/zstd"
            self.format = f"pg_dump custom format (uncompressed), zstd level {ZSTD_LEVEL}"
        else:
            self.filename = "postgres.dump"
            self.content_type = "application/vnd.postgresql.custom-dump"
            self.format = f"pg_dump custom format (zlib level {compress} by pg_dump)"

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
        argv.append(f"--compress={0 if self.compress is None else self.compress}")
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
        details["compress"] = "zstd" if self.compress is None else f"pg_dump {self.compress}"
        return details
