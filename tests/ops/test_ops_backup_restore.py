"""End to end against real PostgreSQL, Redis and moto_server: backup, restore, --at,
objectives, backup-age metrics, drill. Data is compared, not just exit codes."""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import redis
import zstandard

from tests.ops.conftest import seed_config, seed_postgres, seed_redis
from tests.ops.ops_servers import PostgresServer, RedisServer

pytestmark = pytest.mark.integration

BIG_TABLE_SQL = """
CREATE TABLE public.big (id int PRIMARY KEY, payload text);
INSERT INTO public.big
SELECT g, (SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 32) i)
FROM generate_series(1, 20000) AS g;
"""  # ~12 MB of dump: several 5 MiB parts


def tables_content(pg: PostgresServer, db: str) -> dict[str, str]:
    return {
        "items": pg.psql(db, "SELECT * FROM public.items ORDER BY id"),
        "sessions": pg.psql(db, 'SELECT * FROM "Tenant Data"."Sessions" ORDER BY token'),
        "empty": pg.psql(db, "SELECT count(*) FROM public.empty_table"),
        "sequence": pg.psql(db, "SELECT last_value FROM public.items_id_seq"),
    }


def redis_content(server: RedisServer) -> dict[bytes, tuple[Any, int]]:
    client = redis.Redis(port=server.port)
    content = {}
    for key in client.scan_iter():
        content[key] = (client.dump(key), client.pttl(key))
    return content


def assert_redis_restored(source: RedisServer, restored: RedisServer) -> None:
    before, after = redis_content(source), redis_content(restored)
    assert set(before) == set(after)
    src, dst = redis.Redis(port=source.port), redis.Redis(port=restored.port)
    for key, (_, ttl) in before.items():
        assert src.type(key) == dst.type(key)
        kind = src.type(key).decode()  # type: ignore[union-attr]
        read = {
            "string": "get",
            "list": "lrange",
            "set": "smembers",
            "zset": "zrange",
            "hash": "hgetall",
            "stream": "xrange",
        }[kind]
        args: tuple[Any, ...] = (0, -1) if kind in {"list", "zset"} else ()
        assert getattr(src, read)(key, *args) == getattr(dst, read)(key, *args), key
        restored_ttl = after[key][1]
        if ttl == -1:
            assert restored_ttl == -1, key
        else:
            assert 0 < restored_ttl <= ttl + 50, key  # TTL kept, not extended


def assert_config_restored(source: Path, restored: Path) -> None:
    def tree(root: Path) -> list[str]:
        return sorted(str(p.relative_to(root)) for p in root.rglob("*"))

    assert tree(source) == tree(restored)
    for path in source.rglob("*"):
        twin = restored / path.relative_to(source)
        if path.is_symlink():
            assert twin.is_symlink() and os.readlink(twin) == os.readlink(path)
        elif path.is_file():
            assert filecmp.cmp(path, twin, shallow=False), path


@pytest.fixture
def sources(pg: PostgresServer, redis_source: RedisServer, tmp_path: Path) -> dict[str, Any]:
    db = pg.create_database("src")
    seed_postgres(pg, db)
    seed_redis(redis_source)
    config = tmp_path / "config"
    config.mkdir()
    seed_config(config)
    return {"db": db, "postgres": pg.url(db), "redis": redis_source.url(), "config": config}


def backup_args(bucket: str, sources: dict[str, Any], prefix: str = "prod/mcp-github") -> list[str]:
    return [
        "backup",
        "--bucket",
        bucket,
        "--prefix",
        prefix,
        "--postgres",
        sources["postgres"],
        "--redis",
        sources["redis"],
        "--config",
        str(sources["config"]),
        "--json",
    ]


def test_backup_streams_every_source_and_writes_a_verifiable_manifest(
    run_ops, s3, bucket, pg, sources, tmp_path
) -> None:
    pg.psql(sources["db"], BIG_TABLE_SQL)
    result = run_ops(*backup_args(bucket, sources), "--part-size", "5")
    assert result.returncode == 0, result.stderr
    manifest = result.json()
    backup_id = manifest["backup_id"]
    assert manifest["format_version"] == 2
    assert set(manifest["sources"]) == {"postgres", "redis", "config"}
    assert manifest["tools"]["pg_dump"].startswith("pg_dump (PostgreSQL)")
    assert manifest["tools"]["redis_server"] and manifest["tools"]["ops"]
    assert manifest["started_at"] <= manifest["finished_at"]

    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"prod/mcp-github/{backup_id}/")
    keys = {item["Key"].rsplit("/", 1)[1] for item in listed["Contents"]}
    assert keys == {"postgres.dump.zst", "redis.rdb", "config.tar.gz", "manifest.json"}
    for name, entry in manifest["sources"].items():
        body = s3.get_object(Bucket=bucket, Key=entry["key"])["Body"].read()
        assert len(body) == entry["size"], name
        assert hashlib.sha256(body).hexdigest() == entry["sha256"], name
        assert entry["started_at"] <= entry["finished_at"] <= manifest["finished_at"]
    assert int(manifest["sources"]["postgres"]["details"]["parts"]) >= 2  # real multipart
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

    postgres = manifest["sources"]["postgres"]
    assert postgres["compression"] == "zstd" and postgres["details"]["compress"] == "zstd"
    # bytes read from pg_dump and bytes uploaded are both recorded: zstd really compressed
    assert postgres["source_bytes"] > 1.5 * postgres["size"]
    assert float(postgres["details"]["ratio"]) == pytest.approx(
        postgres["size"] / postgres["source_bytes"], abs=0.001
    )
    assert manifest["sources"]["redis"]["source_bytes"] == manifest["sources"]["redis"]["size"]
    dump = tmp_path / "check.dump"
    compressed = s3.get_object(Bucket=bucket, Key=postgres["key"])["Body"].read()
    dump.write_bytes(zstandard.ZstdDecompressor().decompressobj().decompress(compressed))
    assert dump.stat().st_size == postgres["source_bytes"]
    assert dump.read_bytes()[:5] == b"PGDMP"  # custom format, as pg_dump wrote it
    listing = subprocess.run(
        [str(pg.bindir / "pg_restore"), "--list", str(dump)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "TABLE DATA public big" in listing
    rdb = s3.get_object(Bucket=bucket, Key=manifest["sources"]["redis"]["key"])["Body"].read()
    assert rdb.startswith(b"REDIS")
    # nothing staged on disk: the run's TMPDIR holds no leftovers, and no progress bars in logs
    assert [p for p in tmp_path.iterdir() if p.name.startswith("tmp")] == []
    assert "━" not in result.stderr


def test_restore_round_trip_compares_all_data(
    run_ops, bucket, pg, sources, redis_source, redis_scratch, tmp_path
) -> None:
    assert run_ops(*backup_args(bucket, sources)).returncode == 0
    target_db = pg.create_database("restored")
    target_config = tmp_path / "restored-config"
    result = run_ops(
        "restore",
        "--bucket",
        bucket,
        "--prefix",
        "prod/mcp-github",
        "--postgres",
        pg.url(target_db),
        "--redis",
        redis_scratch.url(),
        "--config",
        str(target_config),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = result.json()
    assert set(report["verified"]) == set(report["restored"]) == {"postgres", "redis", "config"}
    assert report["objectives_met"] is True
    assert {o["name"] for o in report["objectives"]} == {"RPO", "RTO"}

    assert tables_content(pg, target_db) == tables_content(pg, sources["db"])
    assert_redis_restored(redis_source, redis_scratch)
    assert_config_restored(sources["config"], target_config)

    # restoring again over the restored targets: refused without --replace, exact with it
    again = run_ops(
        "restore",
        "--bucket",
        bucket,
        "--prefix",
        "prod/mcp-github",
        "--postgres",
        pg.url(target_db),
        "--redis",
        redis_scratch.url(),
        "--config",
        str(target_config),
        "--replace",
    )
    assert again.returncode == 0, again.stderr
    assert "Recovery objectives" in again.stdout
    assert tables_content(pg, target_db) == tables_content(pg, sources["db"])


def test_a_backup_in_the_earlier_format_still_restores(run_ops, s3, bucket, pg, sources) -> None:
    """Format 1: pg_dump's own zlib, object postgres.dump, no compression fields."""
    done = run_ops(
        "backup",
        "--bucket",
        bucket,
        "--prefix",
        "p",
        "--postgres",
        sources["postgres"],
        "--pg-compress",
        "6",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    manifest = done.json()
    entry = manifest["sources"]["postgres"]
    assert entry["key"].endswith("/postgres.dump") and entry["compression"] == "none"
    old_entry = {k: v for k, v in entry.items() if k not in {"compression", "source_bytes"}}
    old = {**manifest, "format_version": 1, "sources": {"postgres": old_entry}}
    s3.put_object(
        Bucket=bucket, Key=f"p/{manifest['backup_id']}/manifest.json", Body=json.dumps(old)
    )
    target = pg.create_database("from_v1")
    restored = run_ops("restore", "--bucket", bucket, "--prefix", "p", "--postgres", pg.url(target))
    assert restored.returncode == 0, restored.stderr
    assert tables_content(pg, target) == tables_content(pg, sources["db"])

    summary = run_ops(
        "backup", "--bucket", bucket, "--prefix", "p", "--postgres", sources["postgres"]
    )
    assert summary.returncode == 0, summary.stderr
    assert "Uploaded" in summary.stdout and "Ratio" in summary.stdout
    assert "complete: read " in summary.stdout and "(ratio 0." in summary.stdout


def test_restore_at_picks_the_newest_complete_backup_before_that_time(
    run_ops, bucket, pg, sources
) -> None:
    db = sources["db"]
    first = run_ops(
        "backup", "--bucket", bucket, "--prefix", "p", "--postgres", sources["postgres"], "--json"
    )
    assert first.returncode == 0, first.stderr
    pg.psql(db, "UPDATE public.items SET name = 'changed' WHERE id <= 10")
    time.sleep(0.01)  # ids are microsecond timestamps: make the order unambiguous
    second = run_ops(
        "backup", "--bucket", bucket, "--prefix", "p", "--postgres", sources["postgres"], "--json"
    )
    assert second.returncode == 0, second.stderr
    first_end, second_start = first.json()["finished_at"], second.json()["started_at"]
    assert first_end < second_start

    def restore_at(at: str) -> tuple[int, str, str]:
        target = pg.create_database("at")
        done = run_ops(
            "restore",
            "--bucket",
            bucket,
            "--prefix",
            "p",
            "--at",
            at,
            "--postgres",
            pg.url(target),
            "--json",
        )
        names = (
            pg.psql(target, "SELECT count(*) FROM public.items WHERE name = 'changed'")
            if done.returncode == 0
            else ""
        )
        return done.returncode, names, done.stdout if done.returncode == 0 else done.stderr

    code, changed, output = restore_at(first_end)
    assert code == 0 and changed == "0"
    assert first.json()["backup_id"] in output
    code, changed, _ = restore_at(second.json()["finished_at"])
    assert code == 0 and changed == "10"

    code, _, stderr = restore_at("2000-01-01T00:00:00Z")
    assert code == 1
    assert stderr.strip().splitlines() == [
        "error: no complete backup at or before 2000-01-01T00:00:00+00:00 "
        f"(2 backup(s) in s3://{bucket}/p/)"
    ]


def test_restore_reports_a_missed_rpo_with_exit_3(run_ops, bucket, pg, sources) -> None:
    assert (
        run_ops(
            "backup", "--bucket", bucket, "--prefix", "p", "--postgres", sources["postgres"]
        ).returncode
        == 0
    )
    target = pg.create_database("rpo")
    result = run_ops(
        "restore",
        "--bucket",
        bucket,
        "--prefix",
        "p",
        "--postgres",
        pg.url(target),
        "--rpo",
        "0s",
        "--json",
    )
    assert result.returncode == 3
    report = result.json()
    rpo = next(o for o in report["objectives"] if o["name"] == "RPO")
    assert rpo["met"] is False and rpo["achieved_seconds"] > 0
    assert "error: restored, but a recovery objective was missed: RPO" in result.stderr
    assert pg.psql(target, "SELECT count(*) FROM public.items") == "500"  # it did restore

    tight = run_ops(
        "restore",
        "--bucket",
        bucket,
        "--prefix",
        "p",
        "--postgres",
        pg.url(target),
        "--rto",
        "0s",
        "--replace",
    )
    assert tight.returncode == 3 and "RTO" in tight.stderr


def test_backup_age_is_published_for_the_alarm(run_ops, moto, bucket, sources) -> None:
    metric_args = [
        "--publish-metric",
        "--environment",
        "test",
        "--dependency",
        "mcp-github",
        "--metrics-endpoint-url",
        moto.endpoint,
    ]
    empty = run_ops("backup-age", "--bucket", bucket, "--prefix", "p", *metric_args)
    assert empty.returncode == 1 and "nothing published" in empty.stderr

    done = run_ops(
        "backup",
        "--bucket",
        bucket,
        "--prefix",
        "p",
        "--config",
        str(sources["config"]),
        *metric_args,
    )
    assert done.returncode == 0, done.stderr
    age = run_ops("backup-age", "--bucket", bucket, "--prefix", "p", "--json", *metric_args)
    assert age.returncode == 0, age.stderr
    assert age.json()["published"] is True and 0 <= age.json()["age_seconds"] < 120

    cloudwatch = boto3.client("cloudwatch", endpoint_url=moto.endpoint, region_name="us-east-1")
    metrics = cloudwatch.list_metrics(Namespace="McpFleet/Backups")["Metrics"]
    dims = {
        (m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"])))
        for m in metrics
    }
    expected_dims = (("Dependency", "mcp-github"), ("Environment", "test"))
    assert ("BackupAgeSeconds", expected_dims) in dims
    assert ("LastBackupTimestamp", expected_dims) in dims
    stats = cloudwatch.get_metric_statistics(
        Namespace="McpFleet/Backups",
        MetricName="BackupAgeSeconds",
        Dimensions=[
            {"Name": "Environment", "Value": "test"},
            {"Name": "Dependency", "Value": "mcp-github"},
        ],
        StartTime=datetime.now(UTC) - timedelta(hours=1),
        EndTime=datetime.now(UTC) + timedelta(minutes=5),
        Period=60,
        Statistics=["Maximum"],
    )
    assert stats["Datapoints"] and max(p["Maximum"] for p in stats["Datapoints"]) < 120

    stale = run_ops("backup-age", "--bucket", bucket, "--prefix", "p", "--max-age", "0s")
    assert stale.returncode == 3 and "old (limit" in stale.stderr
    missing = run_ops("backup-age", "--bucket", bucket, "--prefix", "p", "--publish-metric")
    assert missing.returncode == 2 and "--environment" in missing.stderr


def test_drill_restores_into_scratch_and_matches(
    run_ops, bucket, pg, sources, redis_scratch, tmp_path
) -> None:
    scratch_db = pg.create_database("scratch")
    redis.Redis(port=redis_scratch.port).set("stale", "left over from an earlier drill")
    args = [
        "drill",
        "--bucket",
        bucket,
        "--prefix",
        "drills",
        "--postgres",
        sources["postgres"],
        "--redis",
        sources["redis"],
        "--config",
        str(sources["config"]),
        "--scratch-postgres",
        pg.url(scratch_db),
        "--scratch-redis",
        redis_scratch.url(),
    ]
    result = run_ops(*args, "--json")
    assert result.returncode == 0, result.stderr
    report = result.json()
    assert report["matched"] is True and report["objectives_met"] is True
    items = {c["item"]: c for c in report["checks"]}
    assert items["table public.items"]["source"].startswith("500 rows")
    assert items['table "Tenant Data"."Sessions"']["source"].startswith("200 rows")
    assert items["sequence public.items_id_seq"]["restored"] == "last value 500"
    assert items["keys"]["source"] == items["keys"]["restored"] == "309 keys"
    assert items["TTL presence"]["source"] == "3 with TTL"
    assert items["files (byte for byte)"]["ok"] is True
    assert tables_content(pg, scratch_db) == tables_content(pg, sources["db"])

    table = run_ops(*args)  # the human report
    assert table.returncode == 0, table.stderr
    assert "drill passed" in table.stdout and "MISMATCH" not in table.stdout
    assert "public.items" in table.stdout


def test_drill_refuses_the_source_as_scratch(run_ops, bucket, pg, sources, s3) -> None:
    result = run_ops(
        "drill",
        "--bucket",
        bucket,
        "--prefix",
        "d",
        "--postgres",
        sources["postgres"],
        "--scratch-postgres",
        sources["postgres"],
    )
    assert result.returncode == 2
    identifier = pg.psql("postgres", "SELECT system_identifier FROM pg_control_system()")
    assert result.stderr.strip() == (
        "error: --scratch-postgres is the source database (same server: system identifier "
        f"{identifier}, database {sources['db']}): refusing to overwrite it; use another database"
    )
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
