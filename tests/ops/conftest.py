"""Fixtures for the ops tests: real PostgreSQL, Redis and moto_server on loopback.

One PostgreSQL cluster and one moto_server per test session (per xdist worker); every test
gets fresh databases, fresh Redis servers and a fresh bucket, all in temp directories.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.ops.ops_servers import (
    MotoServer,
    PostgresServer,
    RedisServer,
    moto_server,
    postgres_server,
    redis_server,
)

REPO = Path(__file__).resolve().parents[2]

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@pytest.fixture(autouse=True)
def _aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials for in-process boto3; never a real profile."""
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_ENDPOINT_URL_CLOUDWATCH",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    with moto_server() as server:
        yield server


@pytest.fixture
def redis_source() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture
def redis_scratch() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


@pytest.fixture
def s3(moto: MotoServer) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def bucket(s3: Any) -> str:
    name = f"backups-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


@dataclass
class OpsResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def run_ops(moto: MotoServer, tmp_path: Path) -> Callable[..., OpsResult]:
    """Run ``python -m ops ARGS`` in a subprocess, as an operator would."""

    def run(
        *args: str,
        endpoint: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 240,
    ) -> OpsResult:
        argv = [sys.executable, "-m", "ops", *args]
        if args and args[0] not in {"--help", "version"} and "--endpoint-url" not in args:
            argv += ["--endpoint-url", endpoint or moto.endpoint]
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPS_", "PYTEST_"))
        }
        environment.update(AWS_ENV)
        environment["TMPDIR"] = str(tmp_path)
        environment.update(env or {})
        done = subprocess.run(
            argv,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=environment,
            check=False,
        )
        return OpsResult(done.returncode, done.stdout, done.stderr)

    return run


# -- data -----------------------------------------------------------------------------
SEED_SQL = """
CREATE SCHEMA "Tenant Data";
CREATE TABLE public.items (
    id serial PRIMARY KEY,
    name text NOT NULL,
    price numeric(10, 2),
    created timestamptz NOT NULL DEFAULT '2024-01-02 03:04:05+00',
    tags jsonb,
    blob bytea,
    ratio double precision
);
INSERT INTO public.items (name, price, tags, blob, ratio)
SELECT 'item ' || g, g * 1.25, jsonb_build_object('n', g, 'even', g % 2 = 0),
       decode(md5(g::text), 'hex'), g / 7.0
FROM generate_series(1, 500) AS g;
CREATE TABLE "Tenant Data"."Sessions" (token text PRIMARY KEY, user_id int, expires date);
INSERT INTO "Tenant Data"."Sessions"
SELECT md5('s' || g), g % 17, DATE '2025-01-01' + g FROM generate_series(1, 200) AS g;
CREATE TABLE public.empty_table (id int);
"""


def seed_postgres(server: PostgresServer, dbname: str) -> None:
    server.psql(dbname, SEED_SQL)


def seed_redis(server: RedisServer, db: int = 0) -> Any:
    import redis

    client = redis.Redis(port=server.port, db=db)
    client.set("plain", "value")
    client.set(b"binary:\x00\xff", b"\x00\x01\x02\xfe")
    client.set("session:1", "alice", ex=3600)
    client.set("session:2", "bob", px=7_200_000)
    client.hset("user:1", mapping={"name": "Alice", "role": "admin"})
    client.expire("user:1", 86400)
    client.rpush("queue", *[f"job-{i}" for i in range(50)])
    client.sadd("tags", "a", "b", "c")
    client.zadd("scores", {"x": 1.5, "y": 2.0, "z": -3})
    client.xadd("events", {"kind": "created"})
    for i in range(300):
        client.set(f"bulk:{i}", "v" * (i % 40))
    return client


def seed_config(directory: Path) -> Path:
    (directory / "nested" / "deeper").mkdir(parents=True)
    (directory / "server.yaml").write_text("name: mcp-github\nreplicas: 3\n")
    (directory / "nested" / "tools.json").write_text('{"tools": ["search", "fetch"]}\n')
    (directory / "nested" / "deeper" / "key.bin").write_bytes(bytes(range(256)) * 40)
    (directory / "nested" / "empty").mkdir()
    (directory / "current").symlink_to("server.yaml")
    return directory
