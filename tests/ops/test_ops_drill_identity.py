"""The drill never touches its source, whatever name the scratch target uses for it.

Identity comes from the servers (PostgreSQL's system identifier with the database name,
Redis's run_id with the db number, a directory's device and inode), so every alias of the
source that this machine can produce is refused before anything is read, written or
uploaded: host names, other loopback addresses, IPv6, a second TCP port through a
forwarding proxy, Unix sockets, other spellings of the same URL. A different database on
the same server is a legitimate scratch target and is allowed.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from typer.testing import CliRunner

import ops.cli
from tests.ops.conftest import seed_config, seed_postgres, seed_redis
from tests.ops.fault_proxy import dying_proxy
from tests.ops.ops_servers import ALIAS_ADDRESS, PostgresServer, RedisServer, ipv6_loopback

pytestmark = pytest.mark.integration

FOREVER = 1 << 62  # a proxy that never dies: just a second port onto the same server


def hostname_on_loopback() -> str | None:
    """This machine's own host name, when it resolves to a loopback address."""
    name = socket.gethostname()
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
    except OSError:
        return None
    return name if addresses and all(a.startswith("127.") for a in addresses) else None


def host_aliases() -> list[tuple[str, str]]:
    """(form, host for a URL) naming 127.0.0.1's servers in other words."""
    forms = [
        ("localhost", "localhost"),
        ("second loopback address", ALIAS_ADDRESS),
        ("short IPv4 form", "127.1"),
    ]
    if ipv6_loopback():
        forms.append(("IPv6 loopback", "[::1]"))
    name = hostname_on_loopback()
    if name is not None:
        forms.append(("machine host name", name))
    return forms


def invoke(*args: str) -> Any:
    return CliRunner().invoke(ops.cli.app, list(args), catch_exceptions=False)


def error_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.fixture
def drill(moto: Any, bucket: str) -> Callable[..., Any]:
    def run(*args: str) -> Any:
        return invoke(
            "drill", "--bucket", bucket, "--prefix", "d", "--endpoint-url", moto.endpoint, *args
        )

    return run


@pytest.fixture
def source_db(pg: PostgresServer) -> str:
    db = pg.create_database("src")
    seed_postgres(pg, db)
    return db


def postgres_aliases(pg: PostgresServer, db: str) -> Iterator[tuple[str, str]]:
    for form, host in host_aliases():
        yield form, f"postgresql://postgres@{host}:{pg.port}/{db}"
    yield "Unix socket", pg.socket_url(db)
    yield "user in the query", f"postgres://127.0.0.1:{pg.port}/{db}?user=postgres"
    yield "extra parameters", f"{pg.url(db)}?application_name=drill&connect_timeout=5"
    with dying_proxy(pg.port, FOREVER) as proxy:
        yield "second port (forwarding proxy)", f"postgresql://postgres@127.0.0.1:{proxy.port}/{db}"


def redis_aliases(server: RedisServer) -> Iterator[tuple[str, str]]:
    for form, host in host_aliases():
        yield form, f"redis://{host}:{server.port}/0"
    yield "Unix socket", server.socket_url(0)
    yield "db number implied", f"redis://127.0.0.1:{server.port}"
    with dying_proxy(server.port, FOREVER) as proxy:
        yield "second port (forwarding proxy)", f"redis://127.0.0.1:{proxy.port}/0"


def test_postgres_source_under_every_alias_is_refused_before_anything(
    drill, pg, source_db, s3, bucket
) -> None:
    before = pg.psql(source_db, "SELECT count(*), sum(length(name)) FROM public.items")
    tried = []
    for form, alias in postgres_aliases(pg, source_db):
        result = drill("--postgres", pg.url(source_db), "--scratch-postgres", alias)
        tried.append(form)
        assert result.exit_code == 2, (form, result.output)
        line = error_line(result)
        assert line.startswith("error: --scratch-postgres is the source database"), (form, line)
        assert f"database {source_db}" in line and "refusing to overwrite it" in line
        assert pg.psql(source_db, "SELECT count(*), sum(length(name)) FROM public.items") == before
        assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0, form
    assert {"localhost", "Unix socket", "second port (forwarding proxy)"} <= set(tried)


def test_redis_source_under_every_alias_is_refused_before_anything(
    drill, redis_source, s3, bucket
) -> None:
    client = seed_redis(redis_source)
    keys = client.dbsize()
    tried = []
    for form, alias in redis_aliases(redis_source):
        result = drill("--redis", redis_source.url(0), "--scratch-redis", alias)
        tried.append(form)
        assert result.exit_code == 2, (form, result.output)
        line = error_line(result)
        assert line.startswith("error: --scratch-redis is the source database"), (form, line)
        assert "db 0" in line and "refusing to flush it" in line
        assert client.dbsize() == keys, form
        assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0, form
    assert {"localhost", "Unix socket", "second port (forwarding proxy)"} <= set(tried)


def test_another_database_on_the_same_servers_is_a_valid_scratch(
    drill, pg, source_db, redis_source
) -> None:
    """Same system identifier or run_id, other database: allowed, reached through aliases."""
    client = seed_redis(redis_source)
    redis.Redis(port=redis_source.port, db=1).set("left over", "from an earlier drill")
    scratch_db = pg.create_database("scratch")
    result = drill(
        "--postgres",
        pg.url(source_db),
        "--scratch-postgres",
        pg.socket_url(scratch_db),
        "--redis",
        redis_source.url(0),
        "--scratch-redis",
        redis_source.socket_url(1),
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["matched"] is True
    assert client.dbsize() == redis.Redis(port=redis_source.port, db=1).dbsize()
    assert pg.psql(scratch_db, "SELECT count(*) FROM public.items") == "500"


def config_aliases(source: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    link = tmp_path / "link-to-config"
    link.symlink_to(source)
    yield "symlink", link
    yield "dot-dot segments", source / ".." / source.name
    yield "symlinked parent", link / "nested"
    yield "parent of the source", source.parent
    yield "inside the source", source / "nested" / "new-scratch"


def test_config_source_under_every_alias_is_refused(drill, tmp_path, s3, bucket) -> None:
    source = tmp_path / "config"
    source.mkdir()
    seed_config(source)
    files = sorted(p.name for p in source.rglob("*"))
    for form, alias in config_aliases(source, tmp_path):
        result = drill("--config", str(source), "--scratch-config", str(alias))
        assert result.exit_code == 2, (form, result.output)
        line = error_line(result)
        assert "--scratch-config" in line and "overlap" in line, (form, line)
        assert sorted(p.name for p in source.rglob("*")) == files, form
        assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0, form
