"""Restore never leaves a mix and never acts on an argument it has not checked.

A target that holds data is refused (exit 2) before anything is downloaded, unless
``--replace`` is given; with it, each target ends up exactly equal to the backup, and a
PostgreSQL restore that fails rolls the emptying back too. A future ``--at``, a prefix
with ``..`` or empty segments and a manifest whose keys leave the backup are refused
before any target is touched.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
import redis

from ops.errors import RestoreError
from ops.sources.postgres_contents import database_contents
from ops.sources.postgres_load import load_dump_file
from ops.urls import parse_postgres_url
from tests.ops.conftest import seed_config, seed_postgres, seed_redis
from tests.ops.ops_servers import PostgresServer, free_port
from tests.ops.test_ops_backup_restore import (
    assert_config_restored,
    assert_redis_restored,
    tables_content,
)

pytestmark = pytest.mark.integration

CLUTTER_SQL = """
CREATE SCHEMA leftover;
CREATE TABLE leftover.old (v text);
INSERT INTO leftover.old VALUES ('older data');
CREATE TABLE public.items (id int PRIMARY KEY, name text);
INSERT INTO public.items VALUES (1, 'newer row'), (100000, 'written after the backup');
CREATE TABLE public.extra (v int);
CREATE VIEW public.extra_view AS SELECT v FROM public.extra;
CREATE TYPE public.mood AS ENUM ('ok', 'sad');
CREATE DOMAIN public.positive AS int CHECK (VALUE > 0);
CREATE FUNCTION public.answer() RETURNS int LANGUAGE sql AS 'SELECT 42';
CREATE SEQUENCE public.loose_sequence;
SELECT lo_from_bytea(0, 'a large object');
"""


def error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def objects(pg: PostgresServer, db: str) -> list[str]:
    return database_contents(parse_postgres_url(pg.url(db)))


@pytest.fixture
def backed_up(run_ops, s3, bucket, pg, redis_source, tmp_path) -> dict[str, Any]:
    db = pg.create_database("src")
    seed_postgres(pg, db)
    seed_redis(redis_source)
    config = tmp_path / "config"
    config.mkdir()
    seed_config(config)
    done = run_ops(
        "backup",
        "--bucket",
        bucket,
        "--prefix",
        "p",
        "--postgres",
        pg.url(db),
        "--redis",
        redis_source.url(),
        "--config",
        str(config),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    return {"db": db, "config": config, "manifest": done.json()}


def restore(run_ops: Any, bucket: str, *args: str) -> Any:
    return run_ops("restore", "--bucket", bucket, "--prefix", "p", *args)


def test_a_target_holding_data_is_refused_before_downloading(
    run_ops, s3, bucket, pg, redis_scratch, backed_up, tmp_path
) -> None:
    # a corrupted object would fail verification: a refusal about the target proves that
    # the target was examined first, before anything was downloaded
    key = backed_up["manifest"]["sources"]["postgres"]["key"]
    s3.put_object(Bucket=bucket, Key=key, Body=b"not the dump")

    target = pg.create_database("busy")
    pg.psql(target, "CREATE TABLE keep_me (v text); INSERT INTO keep_me VALUES ('precious')")
    busy_pg = restore(run_ops, bucket, "--postgres", pg.url(target))
    assert busy_pg.returncode == 2
    line = error_line(busy_pg.stderr)
    assert f"--postgres: database {target} at" in line and "table public.keep_me" in line
    assert "give --replace to empty it first" in line
    assert pg.psql(target, "SELECT v FROM keep_me") == "precious"

    redis.Redis(port=redis_scratch.port).set("live", "data")
    busy_redis = restore(run_ops, bucket, "--redis", redis_scratch.url())
    assert busy_redis.returncode == 2
    assert "--redis: db 0 at" in error_line(busy_redis.stderr)
    assert "holds 1 key(s)" in busy_redis.stderr
    assert redis.Redis(port=redis_scratch.port).keys("*") == [b"live"]

    config = tmp_path / "target-config"
    config.mkdir()
    (config / "mine.yaml").write_text("keep: true\n")
    busy_config = restore(run_ops, bucket, "--config", str(config))
    assert busy_config.returncode == 2
    assert f"--config: directory {config} is not empty (1 entries: mine.yaml)" in (
        error_line(busy_config.stderr)
    )
    assert [p.name for p in config.iterdir()] == ["mine.yaml"]


def test_replace_makes_every_target_equal_to_the_backup(
    run_ops, bucket, pg, redis_source, redis_scratch, backed_up, tmp_path
) -> None:
    target = pg.create_database("cluttered")
    pg.psql(target, CLUTTER_SQL)
    client = redis.Redis(port=redis_scratch.port)
    client.set("plain", "a newer value")
    client.set("extra", "not in the backup")
    config = tmp_path / "target-config"
    config.mkdir()
    (config / "server.yaml").write_text("name: newer\n")
    (config / "stale.yaml").write_text("not in the backup\n")
    (config / "stale-dir").mkdir()
    (config / "stale-dir" / "file").write_text("x")

    result = restore(
        run_ops,
        bucket,
        "--postgres",
        pg.url(target),
        "--redis",
        redis_scratch.url(),
        "--config",
        str(config),
        "--replace",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert objects(pg, target) == objects(pg, backed_up["db"])
    assert tables_content(pg, target) == tables_content(pg, backed_up["db"])
    assert pg.psql(target, "SELECT count(*) FROM pg_largeobject_metadata") == "0"
    assert_redis_restored(redis_source, redis_scratch)
    assert_config_restored(backed_up["config"], config)


def test_a_failing_replace_rolls_back_and_leaves_the_target_as_it_was(
    run_ops, bucket, pg, redis_source, tmp_path
) -> None:
    """The dump grants to a role the target's cluster no longer has: the restore fails
    after the emptying ran, and the emptying is rolled back with it."""
    role = f"reader_{free_port()}"
    db = pg.create_database("src")
    seed_postgres(pg, db)
    pg.psql(db, f"CREATE ROLE {role}; GRANT SELECT ON public.items TO {role}")
    done = run_ops("backup", "--bucket", bucket, "--prefix", "p", "--postgres", pg.url(db))
    assert done.returncode == 0, done.stderr
    pg.psql(db, f"REVOKE SELECT ON public.items FROM {role}")
    pg.psql("postgres", f"DROP ROLE {role}")

    target = pg.create_database("kept")
    pg.psql(target, CLUTTER_SQL)
    before = objects(pg, target)
    result = restore(run_ops, bucket, "--postgres", pg.url(target), "--replace")
    assert result.returncode == 1
    line = error_line(result.stderr)
    assert "rolled back, the target is unchanged" in line and role in line
    assert objects(pg, target) == before
    assert pg.psql(target, "SELECT v FROM leftover.old") == "older data"


def test_a_dump_that_breaks_halfway_commits_nothing(pg, tmp_path) -> None:
    """pg_restore failing mid-stream: psql is stopped before any COMMIT reaches it."""
    source = pg.create_database("src")
    seed_postgres(pg, source)
    pg.psql(
        source,
        "INSERT INTO public.items (name) SELECT 'row ' || g FROM generate_series(1, 50000) g",
    )
    dump = tmp_path / "source.dump"
    subprocess.run(
        [
            str(pg.bindir / "pg_dump"),
            "--format=custom",
            "--compress=0",
            "-f",
            str(dump),
            pg.url(source),
        ],
        check=True,
    )
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(dump.read_bytes()[: dump.stat().st_size * 2 // 3])
    garbage = tmp_path / "garbage.dump"
    garbage.write_bytes(b"not a dump at all")

    target = pg.create_database("kept")
    pg.psql(target, CLUTTER_SQL)
    before = objects(pg, target)
    for bad in (truncated, garbage):
        with pytest.raises(RestoreError, match="the target is unchanged"):
            load_dump_file(bad, parse_postgres_url(pg.url(target)), replace=True)
        assert objects(pg, target) == before
    assert pg.psql(target, "SELECT name FROM public.items ORDER BY id") == (
        "newer row\nwritten after the backup"
    )


def test_a_future_at_is_refused_before_anything_is_contacted(run_ops, pg, tmp_path) -> None:
    target = pg.create_database("t")
    result = run_ops(
        "restore",
        "--bucket",
        "b",
        "--prefix",
        "p",
        "--at",
        "2999-01-01T00:00:00Z",
        "--postgres",
        pg.url(target),
        endpoint=f"http://127.0.0.1:{free_port()}",  # nobody listens: any S3 call would fail
    )
    assert result.returncode == 2
    assert error_line(result.stderr).startswith(
        "error: --at 2999-01-01T00:00:00+00:00 is in the future (now is "
    )


@pytest.mark.parametrize(
    "prefix", ["../other-env", "prod/../other", "prod//app", "./prod", "prod/.", "prod\\app"]
)
@pytest.mark.parametrize("command", ["backup", "restore"])
def test_prefixes_that_escape_are_refused(run_ops, command, prefix, tmp_path) -> None:
    result = run_ops(
        command,
        "--bucket",
        "b",
        "--prefix",
        prefix,
        "--config",
        str(tmp_path),
        endpoint=f"http://127.0.0.1:{free_port()}",
    )
    assert result.returncode == 2
    line = error_line(result.stderr)
    assert line.startswith(f"error: --prefix: {prefix!r} ")


@pytest.mark.parametrize(
    "key",
    [
        "p/{id}/../../elsewhere/config.tar.gz",
        "/p/{id}/config.tar.gz",
        "other/{id}/config.tar.gz",
        "p/{id}/nested/config.tar.gz",
        "p/{id}/..",
        "p/{other}/config.tar.gz",
    ],
)
def test_manifest_keys_outside_the_backup_are_refused(
    run_ops, s3, bucket, backed_up, tmp_path, key
) -> None:
    manifest = backed_up["manifest"]
    backup_id = manifest["backup_id"]
    good = manifest["sources"]["config"]["key"]
    escaped = key.format(id=backup_id, other="20000101T000000.000000Z")
    assert good == f"p/{backup_id}/config.tar.gz"
    manifest["sources"] = {"config": {**manifest["sources"]["config"], "key": escaped}}
    s3.put_object(Bucket=bucket, Key=f"p/{backup_id}/manifest.json", Body=json.dumps(manifest))

    target = tmp_path / "target-config"
    chosen = restore(run_ops, bucket, "--backup-id", backup_id, "--config", str(target))
    assert chosen.returncode == 1
    line = error_line(chosen.stderr)
    assert f"backup {backup_id} has an invalid manifest" in line and "outside backup" in line
    newest = restore(run_ops, bucket, "--config", str(target))
    assert newest.returncode == 1
    assert f"skipped {backup_id}: invalid manifest" in error_line(newest.stderr)
    assert not target.exists()
