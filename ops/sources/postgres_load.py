"""A PostgreSQL restore fed through stdin, that can only commit once the whole dump arrived.

Restore streams the dump from S3 straight into ``pg_restore`` (no download to disk) and
verifies the object's SHA-256 while it flows. The target must stay untouched if the hash
turns out wrong, so the load runs in ONE transaction whose COMMIT needs the last bytes of
the dump: the caller holds back the final chunk until the hash is verified, then writes it
(``finish``); on a mismatch it calls ``abort``, the processes are killed mid-transaction
and the server rolls everything back. A custom-format archive ends with the end marker of
its last data block, so pg_restore cannot reach its COMMIT without those bytes.

- Into an empty database: ``pg_restore --single-transaction --exit-on-error --dbname``.
- With ``replace``: ``pg_restore --single-transaction --file=-`` turns the dump into SQL
  that ends in its only COMMIT, and psql runs ``BEGIN`` and the emptying
  (``postgres_contents.REPLACE_SQL``) before it, in the same transaction.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from pathlib import Path
from typing import IO

from ops.errors import RestoreError
from ops.sources.postgres import CONNECT_TIMEOUT, psql_argv
from ops.sources.postgres_contents import REPLACE_SQL
from ops.sources.process_stream import CHUNK_SIZE, last_lines
from ops.tools import find_tool
from ops.urls import PostgresUrl

RESTORE_FLAGS = ["--no-owner", "--single-transaction", "--exit-on-error", "--no-password"]


class PostgresLoad:
    """``write`` the dump, then ``finish`` (commit) or ``abort`` (roll back)."""

    def __init__(self, target: PostgresUrl, replace: bool) -> None:
        self.target = target
        self.replace = replace
        self.broken = False
        env = {**os.environ, "PGCONNECT_TIMEOUT": CONNECT_TIMEOUT, **target.env()}
        self._restore_errors: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._load_errors: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._loader: subprocess.Popen[bytes] | None = None
        restore_argv = [find_tool("pg_restore"), *RESTORE_FLAGS]
        try:
            if replace:
                self._restore = self._start_pipeline(restore_argv, env)
            else:
                self._restore = subprocess.Popen(
                    [*restore_argv, f"--dbname={target.safe}"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=self._restore_errors,
                    env=env,
                )
        except OSError as exc:
            self.abort()
            raise RestoreError(f"pg_restore/psql could not start: {exc}") from exc

    def _start_pipeline(
        self, restore_argv: list[str], env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        read_end, write_end = os.pipe()
        try:
            self._loader = subprocess.Popen(
                psql_argv(self.target),
                stdin=read_end,
                stdout=subprocess.DEVNULL,
                stderr=self._load_errors,
                env=env,
            )
            with contextlib.suppress(BrokenPipeError):  # psql failed: finish() reports it
                os.write(write_end, b"BEGIN;\n" + REPLACE_SQL.encode())
            return subprocess.Popen(
                [*restore_argv, "--file=-"],
                stdin=subprocess.PIPE,
                stdout=write_end,
                stderr=self._restore_errors,
            )
        finally:
            os.close(read_end)
            os.close(write_end)

    def write(self, data: bytes) -> bool:
        """Feed dump bytes; False once pg_restore stopped reading (``finish`` says why)."""
        stdin = self._restore.stdin
        if self.broken or stdin is None:
            return False
        try:
            stdin.write(data)
        except BrokenPipeError:
            self.broken = True
        return not self.broken

    def finish(self) -> None:
        """End of the dump: let the transaction commit, and report any failure."""
        with contextlib.suppress(BrokenPipeError):
            if self._restore.stdin is not None:
                self._restore.stdin.close()
        restored = self._restore.wait()
        loaded = self._loader.wait() if self._loader is not None else 0
        self._close()
        if loaded != 0:
            raise RestoreError(
                f"restoring into {self.target.display} with --replace failed (rolled back, "
                f"the target is unchanged): {_last(self._load_errors)}"
            )
        if restored != 0:
            raise RestoreError(
                f"pg_restore into {self.target.display} failed (nothing was committed, the "
                f"target is unchanged): {_last(self._restore_errors)}"
            )

    def abort(self) -> None:
        """Stop mid-transaction: the server rolls back everything this load did."""
        for process in (self._loader, getattr(self, "_restore", None)):
            if process is not None and process.poll() is None:
                process.kill()
        for process in (self._loader, getattr(self, "_restore", None)):
            if process is not None:
                process.wait()
        self._close()

    def failure(self) -> str:
        """What pg_restore (and psql) said when they stopped early; aborts the load."""
        self.abort()
        said = [_last(self._restore_errors)]
        if self.replace:
            said.append(f"psql: {_last(self._load_errors)}")
        return "; ".join(said)

    def _close(self) -> None:
        restore = getattr(self, "_restore", None)
        if restore is not None and restore.stdin is not None:
            with contextlib.suppress(BrokenPipeError, ValueError):
                restore.stdin.close()


def _last(errors: IO[bytes]) -> str:
    errors.seek(0)
    text = errors.read().decode(errors="replace")
    lines = [line for line in text.splitlines() if "already a transaction in progress" not in line]
    return last_lines("\n".join(lines)) or "no message"


def load_dump_file(dump: Path, target: PostgresUrl, replace: bool = False) -> None:
    """Restore a dump file (the whole file, then commit); used by tests and tools."""
    load = PostgresLoad(target, replace)
    try:
        with dump.open("rb") as handle:
            while (chunk := handle.read(CHUNK_SIZE)) and load.write(chunk):
                pass
    except BaseException:
        load.abort()
        raise
    load.finish()
