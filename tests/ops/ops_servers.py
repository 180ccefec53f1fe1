"""Real PostgreSQL, Redis and moto servers on free loopback ports, for tests and benchmarks.

PostgreSQL refuses to run as root, so the cluster is created and started as an
unprivileged user (``postgres`` when it exists, ``nobody`` otherwise) through ``runuser``
in a temporary directory owned by that user. Readiness is always polled (pg_isready,
PING, HTTP), never slept for.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

READY_TIMEOUT = 30.0
ALIAS_ADDRESS = "127.0.0.2"  # Linux routes all of 127/8 to lo: a second address, same host


def ipv6_loopback() -> bool:
    """Whether ::1 can be bound here (the drill's aliasing tests use it when it can)."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


def loopback_addresses() -> list[str]:
    """Every loopback address the test servers listen on: one server, several names."""
    return ["127.0.0.1", ALIAS_ADDRESS, *(["::1"] if ipv6_loopback() else [])]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], what: str, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.02
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)
    raise TimeoutError(f"{what} not ready after {timeout:.0f}s")


def pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError("PostgreSQL server binaries (initdb) not found")


def _version_key(path: str) -> int:
    try:
        return int(Path(path).parts[4])
    except (IndexError, ValueError):
        return 0


def _service_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("no unprivileged user (postgres or nobody) to run PostgreSQL as")


def _as_user(user: str, argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", user, "--", *argv]


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster; ``url(db)`` gives a connection URL."""

    port: int
    root: Path
    bindir: Path
    user: str

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def socket_url(self, dbname: str = "postgres") -> str:
        """The same server through its Unix socket (libpq's host=DIRECTORY form)."""
        return f"postgresql://postgres@/{dbname}?host={self.root}&port={self.port}"

    def psql(self, dbname: str, sql: str) -> str:
        result = subprocess.run(
            [
                str(self.bindir / "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                self.url(dbname),
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def create_database(self, prefix: str = "db") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        return name

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_user(
                self.user,
                [
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.root / "data"),
                    "-m",
                    mode,
                    "-w",
                    "stop",
                ],
            ),
            capture_output=True,
            check=False,
        )


@contextlib.contextmanager
def postgres_server(base: Path | None = None) -> Iterator[PostgresServer]:
    bindir = pg_bindir()
    user = _service_user()
    root = Path(tempfile.mkdtemp(prefix="ops-pg-", dir=base))
    info = pwd.getpwnam(user)
    os.chmod(root, 0o700)
    if os.geteuid() == 0:
        os.chown(root, info.pw_uid, info.pw_gid)
    data = root / "data"
    port = free_port()
    init = subprocess.run(
        _as_user(
            user,
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        raise RuntimeError(f"initdb failed: {init.stderr}")
    listen = ",".join(loopback_addresses())
    options = (
        f"-c listen_addresses={listen} -p {port} -k {root} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
    )
    start = subprocess.run(
        _as_user(
            user,
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if start.returncode != 0:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {start.stderr}\n{log}")
    server = PostgresServer(port=port, root=root, bindir=bindir, user=user)
    wait_until(
        lambda: (
            subprocess.run(
                [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                capture_output=True,
                check=False,
            ).returncode
            == 0
        ),
        "PostgreSQL",
    )
    try:
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]
    socket: Path

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def socket_url(self, db: int = 0) -> str:
        return f"unix://{self.socket}?db={db}"


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis_server(base: Path | None = None) -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server not installed (apt-get install -y redis-server)")
    workdir = Path(tempfile.mkdtemp(prefix="ops-redis-", dir=base))
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            *loopback_addresses(),
            "--unixsocket",
            str(workdir / "redis.sock"),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
            "--repl-diskless-sync-delay",
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: process.poll() is None and _redis_ping(port), "Redis")
        yield RedisServer(port=port, process=process, socket=workdir / "redis.sock")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class MotoServer:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status < 500)
    except OSError:
        return False


def moto_binary() -> str:
    candidate = Path(sys.executable).parent / "moto_server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("moto_server")
    if found is None:
        raise RuntimeError("moto_server not found (uv sync installs moto[server])")
    return found


@contextlib.contextmanager
def moto_server(port: int | None = None, tmpdir: str | None = None) -> Iterator[MotoServer]:
    """moto_server on loopback; ``tmpdir`` is where it spools object bodies over 1 MiB."""
    port = port or free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    if tmpdir:
        env["TMPDIR"] = tmpdir
    process = subprocess.Popen(
        [moto_binary(), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        wait_until(
            lambda: process.poll() is None and _http_ok(f"http://127.0.0.1:{port}/moto-api/"),
            "moto_server",
        )
        yield MotoServer(port=port, process=process)
    finally:
        process.kill()  # in-memory state only: nothing to shut down cleanly
        process.wait()
