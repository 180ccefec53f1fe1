"""Redis: an RDB snapshot streamed out with ``redis-cli --rdb -``; keys copied back live.

Backup streams the RDB straight from ``redis-cli --rdb -`` (stdout) into the upload: no
temporary file. It is stored as-is: RDB already LZF-compresses values, and a raw
``redis.rdb`` can be loaded by any redis-server or inspected with standard tools. The RDB
holds every logical database; the manifest records which one (the URL's ``/N``) the
backup is for. ``redis-cli --rdb`` uses the replication protocol (SYNC), which managed
services such as ElastiCache refuse: use their native snapshots there.

Restore cannot swap the RDB under a live server, so it starts a private, temporary
``redis-server`` on the downloaded RDB (Unix socket only, no persistence) and copies the
backed-up database's keys into the target with ``DUMP``/``RESTORE ... REPLACE``, carrying
each key's remaining TTL (keys that expired meanwhile are skipped). Restore refuses a
target database that holds keys unless ``--replace`` (or ``--flush-redis``) empties it
first with FLUSHDB, so it ends up exactly as backed up, never a mix. The temporary server must be able to read the RDB
(same or newer Redis) and the target must accept its DUMP payloads (same or newer Redis).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import redis

from ops.errors import RestoreError, SourceError
from ops.manifest import Compression, SourceName
from ops.sources import Sink
from ops.sources.process_stream import ProcessFailed, stream_stdout
from ops.tools import find_tool, tool_version
from ops.urls import RedisUrl

BATCH = 500
LOAD_TIMEOUT = 600.0


def check_reachable(url: RedisUrl, role: str) -> str:
    """PING the server; return its version. ``role`` names the URL in messages."""
    try:
        with contextlib.closing(url.client(timeout=5, retries=0)) as client:
            client.ping()
            info: Any = client.info("server")
            return str(info.get("redis_version", "unknown"))
    except redis.RedisError as exc:
        raise SourceError(f"cannot connect: {role} at {url.display}: {exc}") from None


def key_count(url: RedisUrl, role: str) -> int:
    """DBSIZE of the URL's database (read-only)."""
    try:
        with contextlib.closing(url.client(timeout=5, retries=0)) as client:
            return int(cast(int, client.dbsize()))
    except redis.RedisError as exc:
        raise SourceError(f"cannot connect: {role} at {url.display}: {exc}") from None


class RedisSource:
    name: SourceName = "redis"
    filename = "redis.rdb"
    content_type = "application/octet-stream"
    format = "RDB (redis-cli --rdb, LZF-compressed values)"
    compression: Compression = "none"  # already compressed: stored as written

    def __init__(self, url: RedisUrl) -> None:
        self.url = url

    def preflight(self) -> dict[str, str]:
        server = check_reachable(self.url, "Redis")
        return {"redis-cli": tool_version(find_tool("redis-cli")), "redis_server": server}

    def argv(self) -> list[str]:
        return [find_tool("redis-cli"), *self.url.cli_argv(), "--rdb", "-"]

    def chunks(self) -> Iterator[bytes]:
        return stream_stdout(self.argv(), env=self.url.env())

    def write_to(self, sink: Sink) -> dict[str, str]:
        size = 0
        try:
            for chunk in self.chunks():
                size += len(chunk)
                sink.write(chunk)
        except ProcessFailed as exc:
            raise SourceError(
                f"redis-cli --rdb from {self.url.display} failed: {exc.stderr}"
            ) from None
        if size == 0:
            raise SourceError(f"redis-cli --rdb from {self.url.display} returned no data")
        if self.url.socket is not None:
            return {"db": str(self.url.db), "socket": self.url.socket}
        return {"db": str(self.url.db), "host": self.url.host, "port": str(self.url.port)}


@dataclass(frozen=True)
class RedisRestoreStats:
    keys: int
    with_ttl: int
    expired: int


@contextlib.contextmanager
def loaded_rdb(rdb: Path) -> Iterator[Path]:
    """A private redis-server loaded from ``rdb``; yields its Unix socket path."""
    binary = find_tool("redis-server")
    workdir = Path(tempfile.mkdtemp(prefix="ops-redis-"))
    socket = workdir / "redis.sock"
    log = workdir / "redis.log"
    try:
        try:
            os.link(rdb, workdir / "dump.rdb")
        except OSError:
            shutil.copyfile(rdb, workdir / "dump.rdb")
        process = subprocess.Popen(
            [
                binary,
                "--port",
                "0",
                "--unixsocket",
                str(socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(workdir),
                "--dbfilename",
                "dump.rdb",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--logfile",
                str(log),
                "--databases",
                "256",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_loaded(process, socket, log)
            yield socket
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_loaded(process: subprocess.Popen[bytes], socket: Path, log: Path) -> None:
    deadline = time.monotonic() + LOAD_TIMEOUT
    delay = 0.02
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = log.read_text(errors="replace") if log.exists() else ""
            lines = [line for line in text.splitlines() if line.strip()][-3:]
            raise RestoreError(
                "the temporary redis-server could not load the RDB: "
                + (" | ".join(lines) or f"exit status {process.returncode}")
            )
        if socket.exists():
            try:
                with contextlib.closing(redis.Redis(unix_socket_path=str(socket))) as client:
                    if client.ping():
                        return
            except redis.BusyLoadingError:
                pass
            except redis.ConnectionError:
                pass
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)
    raise RestoreError("the temporary redis-server did not finish loading the RDB in time")


def restore_redis(
    rdb: Path, source_db: int, target: RedisUrl, flush: bool = False
) -> RedisRestoreStats:
    keys = with_ttl = expired = 0
    with loaded_rdb(rdb) as socket:
        source = redis.Redis(unix_socket_path=str(socket), db=source_db)
        destination = target.client(timeout=60)
        try:
            if flush:
                destination.flushdb()
            batch: list[bytes] = []
            for key in source.scan_iter(count=1000):
                batch.append(key)
                if len(batch) >= BATCH:
                    counts = _copy(source, destination, batch)
                    keys, with_ttl, expired = (
                        keys + counts[0],
                        with_ttl + counts[1],
                        expired + counts[2],
                    )
                    batch = []
            if batch:
                counts = _copy(source, destination, batch)
                keys, with_ttl, expired = (
                    keys + counts[0],
                    with_ttl + counts[1],
                    expired + counts[2],
                )
        except redis.RedisError as exc:
            raise RestoreError(
                f"copying keys into {target.display} failed after {keys} keys: {exc}"
            ) from exc
        finally:
            source.close()
            destination.close()
    return RedisRestoreStats(keys=keys, with_ttl=with_ttl, expired=expired)


def _copy(
    source: redis.Redis, destination: redis.Redis, batch: list[bytes]
) -> tuple[int, int, int]:
    read = source.pipeline(transaction=False)
    for key in batch:
        read.pttl(key)
        read.dump(key)
    replies = read.execute()
    write = destination.pipeline(transaction=False)
    copied = with_ttl = expired = 0
    for index, key in enumerate(batch):
        ttl, payload = replies[2 * index], replies[2 * index + 1]
        if payload is None or ttl == -2:
            expired += 1
            continue
        ttl = int(ttl)
        if ttl >= 0:  # expires: keep the remaining time (at least 1 ms; 0 would mean never)
            with_ttl += 1
            ttl = max(ttl, 1)
        else:  # -1: no expiry
            ttl = 0
        write.restore(key, ttl, payload, replace=True)
        copied += 1
    write.execute()
    return copied, with_ttl, expired
