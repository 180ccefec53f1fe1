"""Faults end in ONE clear message and a non-zero exit, and lose nothing.

Unreachable database, a source stream that dies halfway, an S3 endpoint that dies
mid-upload, a corrupted object, no backup before --at, bad input. Each test checks the
message, the exit status, the bucket's state and that a later run still works.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import redis
from typer.testing import CliRunner

import ops.aws
import ops.cli
import ops.streamed_restore
from ops.sources.postgres import PostgresSource
from tests.ops.conftest import seed_config, seed_postgres, seed_redis
from tests.ops.fault_proxy import DyingProxy, dying_proxy
from tests.ops.ops_servers import free_port, wait_until

pytestmark = pytest.mark.integration

BIG_TABLE_SQL = """
CREATE TABLE public.big (id int PRIMARY KEY, payload text);
INSERT INTO public.big
SELECT g, (SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 32) i)
FROM generate_series(1, 20000) AS g;
"""


def one_line_error(stderr: str) -> str:
    """The whole of stderr must be one ``error: ...`` line: no traceback, no noise."""
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr, stderr
    return lines[0]


def manifests(s3: Any, bucket: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=bucket)
    return sorted(
        o["Key"] for o in listed.get("Contents", []) if o["Key"].endswith("manifest.json")
    )


@pytest.fixture
def source_db(pg) -> str:
    db = pg.create_database("src")
    seed_postgres(pg, db)
    return db


# -- bad input and unreachable sources -------------------------------------------------
def test_unreachable_database_uploads_nothing(run_ops, s3, bucket, tmp_path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    seed_config(config)
    dead = f"postgresql://postgres:secret@127.0.0.1:{free_port()}/app"
    result = run_ops(
        "backup", "--bucket", bucket, "--prefix", "p", "--postgres", dead, "--config", str(config)
    )
    assert result.returncode == 1
    line = one_line_error(result.stderr)
    assert line.startswith(
        "error: cannot connect: PostgreSQL at postgresql://postgres:***@127.0.0.1"
    )
    assert "secret" not in result.stderr
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_unreachable_redis_uploads_nothing(run_ops, s3, bucket, pg, source_db) -> None:
    result = run_ops(
        "backup",
        "--bucket",
        bucket,
        "--prefix",
        "p",
        "--postgres",
        pg.url(source_db),
        "--redis",
        f"redis://127.0.0.1:{free_port()}/0",
    )
    assert result.returncode == 1
    assert one_line_error(result.stderr).startswith("error: cannot connect: Redis at redis://")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ([], 2, "error: nothing to back up: give at least one of --postgres, --redis, --config"),
        (
            ["--postgres", "mysql://db/x"],
            2,
            "error: --postgres: expected a URL starting with "
            "postgresql:// or postgres://, got mysql://db/x",
        ),
        (["--redis", "redis://host:99999/0"], 2, "error: --redis: malformed URL"),
        (
            ["--config", "/nonexistent/mcp-server"],
            2,
            "error: --config: directory /nonexistent/mcp-server does not exist",
        ),
        (["--config", "/etc", "--part-size", "1"], 2, "error: --part-size: at least 5 MiB"),
    ],
)
def test_bad_backup_input(run_ops, s3, bucket, args, code, message) -> None:
    result = run_ops("backup", "--bucket", bucket, "--prefix", "p", *args)
    assert result.returncode == code
    assert one_line_error(result.stderr).startswith(message)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_missing_bucket_and_unreachable_endpoint(run_ops, tmp_path) -> None:
    result = run_ops(
        "backup", "--bucket", "no-such-bucket", "--prefix", "p", "--config", str(tmp_path)
    )
    assert result.returncode == 1
    assert one_line_error(result.stderr) == "error: bucket no-such-bucket: bucket does not exist"
    down = run_ops(
        "restore",
        "--bucket",
        "b",
        "--prefix",
        "p",
        "--config",
        str(tmp_path),
        endpoint=f"http://127.0.0.1:{free_port()}",
    )
    assert down.returncode == 1
    assert "cannot reach" in one_line_error(down.stderr)


def test_restore_input_errors(run_ops, bucket, tmp_path) -> None:
    nothing = run_ops("restore", "--bucket", bucket, "--prefix", "p")
    assert nothing.returncode == 2 and "nothing to restore" in one_line_error(nothing.stderr)
    bad_time = run_ops(
        "restore",
        "--bucket",
        bucket,
        "--prefix",
        "p",
        "--at",
        "last tuesday",
        "--config",
        str(tmp_path),
    )
    assert bad_time.returncode == 2 and "not an ISO 8601 time" in one_line_error(bad_time.stderr)
    empty = run_ops("restore", "--bucket", bucket, "--prefix", "p", "--config", str(tmp_path))
    assert empty.returncode == 1
    assert "no complete backup at or before" in one_line_error(empty.stderr)


# -- a backup interrupted halfway ------------------------------------------------------
class S3Calls:
    """Every S3 operation the in-process CLI makes, from botocore's event hooks."""

    def __init__(self) -> None:
        self.operations: list[str] = []

    def record(self, model: Any, **_: Any) -> None:
        self.operations.append(model.name)


@pytest.fixture
def s3_calls(monkeypatch: pytest.MonkeyPatch) -> S3Calls:
    calls = S3Calls()
    real = ops.aws.s3_client

    def client(endpoint_url: str | None = None, region: str | None = None) -> Any:
        created = real(endpoint_url, region)
        created.meta.events.register("before-call.s3.*", calls.record)
        return created

    monkeypatch.setattr(ops.aws, "s3_client", client)
    return calls


def invoke(*args: str) -> Any:
    return CliRunner().invoke(ops.cli.app, list(args), catch_exceptions=False)


def test_source_stream_failing_halfway_aborts_and_is_ignored(
    moto, s3, bucket, pg, source_db, s3_calls, monkeypatch, run_ops
) -> None:
    pg.psql(source_db, BIG_TABLE_SQL)
    common = ["--bucket", bucket, "--prefix", "p", "--endpoint-url", moto.endpoint]
    good = invoke("backup", *common, "--postgres", pg.url(source_db), "--json")
    assert good.exit_code == 0, good.output
    good_id = json.loads(good.stdout)["backup_id"]
    pg.psql(source_db, "DELETE FROM public.items WHERE id > 100")  # newer data, never saved

    real_chunks = PostgresSource.chunks

    def dying_chunks(self: PostgresSource) -> Iterator[bytes]:
        sent = 0
        for chunk in real_chunks(self):
            yield chunk
            sent += len(chunk)
            # 16 MiB read is ~8 MiB after zstd: past the first 5 MiB part, mid multipart upload
            if sent > 16 * 1024 * 1024:
                raise OSError("server closed the connection unexpectedly")

    monkeypatch.setattr(PostgresSource, "chunks", dying_chunks)
    failed = invoke("backup", *common, "--postgres", pg.url(source_db), "--part-size", "5")
    assert failed.exit_code == 1
    message = one_line_error(failed.stderr)
    assert "failed at postgres: pg_dump of" in message
    assert "server closed the connection unexpectedly" in message
    assert "No manifest was written, so restore ignores this backup" in message
    assert "UploadPart" in s3_calls.operations  # it really was halfway through
    assert s3_calls.operations.count("AbortMultipartUpload") == 1
    assert not [op for op in s3_calls.operations if "Delete" in op]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert manifests(s3, bucket) == [f"p/{good_id}/manifest.json"]

    target = pg.create_database("restored")
    restored = run_ops(
        "restore", "--bucket", bucket, "--prefix", "p", "--postgres", pg.url(target), "--json"
    )
    assert restored.returncode == 0, restored.stderr
    assert restored.json()["backup_id"] == good_id
    assert pg.psql(target, "SELECT count(*) FROM public.items") == "500"

    monkeypatch.setattr(PostgresSource, "chunks", real_chunks)
    rerun = invoke("backup", *common, "--postgres", pg.url(source_db), "--json")
    assert rerun.exit_code == 0, rerun.output
    assert len(manifests(s3, bucket)) == 2


def test_endpoint_dying_mid_upload_leaves_no_manifest_and_a_rerun_succeeds(
    run_ops, moto, s3, bucket, pg, source_db
) -> None:
    pg.psql(source_db, BIG_TABLE_SQL)
    first = run_ops(
        "backup", "--bucket", bucket, "--prefix", "p", "--postgres", pg.url(source_db), "--json"
    )
    assert first.returncode == 0, first.stderr
    first_id = first.json()["backup_id"]

    with dying_proxy(moto.port, limit=7 * 1024 * 1024) as proxy:
        died = run_ops(
            "backup",
            "--bucket",
            bucket,
            "--prefix",
            "p",
            "--postgres",
            pg.url(source_db),
            "--part-size",
            "5",
            endpoint=proxy.endpoint,
            env={"AWS_MAX_ATTEMPTS": "2"},
        )
        assert proxy.dead.is_set()
        assert died.returncode == 1
        message = one_line_error(died.stderr)
        assert "failed at postgres" in message and "No manifest was written" in message
        assert f"connection to {proxy.endpoint} closed" in message
        # the endpoint was gone, so the abort could not happen either; the message says so
        # and the bucket's AbortIncompleteMultipartUpload lifecycle rule cleans it up
        leftover = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        assert len(leftover) <= 1
        if leftover:
            assert "AbortIncompleteMultipartUpload" in message
        assert manifests(s3, bucket) == [f"p/{first_id}/manifest.json"]

        target = pg.create_database("restored")
        restored = run_ops(
            "restore", "--bucket", bucket, "--prefix", "p", "--postgres", pg.url(target), "--json"
        )
        assert restored.returncode == 0, restored.stderr
        assert restored.json()["backup_id"] == first_id
        assert pg.psql(target, "SELECT count(*) FROM public.big") == "20000"

        proxy.revive()
        rerun = run_ops(
            "backup",
            "--bucket",
            bucket,
            "--prefix",
            "p",
            "--postgres",
            pg.url(source_db),
            "--part-size",
            "5",
            "--json",
            endpoint=proxy.endpoint,
        )
        assert rerun.returncode == 0, rerun.stderr
    assert len(manifests(s3, bucket)) == 2


def test_sigterm_mid_upload_aborts_and_writes_no_manifest(moto, s3, bucket, pg, source_db) -> None:
    """A Job deadline or pod eviction sends SIGTERM: the upload is aborted, no manifest."""
    pg.psql(source_db, BIG_TABLE_SQL)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPS_"))}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    # The proxy holds the upload's bytes past the first part until released, so the signal
    # lands mid-upload for certain instead of racing a backup that may already be done.
    with dying_proxy(moto.port, limit=6 * 1024 * 1024, stall=True) as proxy:
        _terminate_mid_upload(proxy, env, bucket, pg.url(source_db))
    assert manifests(s3, bucket) == []
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def _terminate_mid_upload(
    proxy: DyingProxy, env: dict[str, str], bucket: str, postgres: str
) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ops",
            "backup",
            "--bucket",
            bucket,
            "--prefix",
            "p",
            "--postgres",
            postgres,
            "--part-size",
            "5",
            "--endpoint-url",
            proxy.endpoint,
            "--pg-compress",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    wait_until(
        lambda: proxy.stalled.is_set() or process.poll() is not None,
        "an upload held mid-part by the proxy",
        timeout=60,
    )
    assert process.poll() is None, "the backup ended before it was interrupted"
    process.send_signal(signal.SIGTERM)
    proxy.release()  # let the abort (and the held part) reach S3
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert one_line_error(stderr).startswith("error: interrupted: an unfinished backup gets no")


# -- corruption ------------------------------------------------------------------------
def test_corrupted_object_is_caught_before_any_target_is_touched(
    run_ops, s3, bucket, pg, source_db, redis_source, redis_scratch, tmp_path
) -> None:
    seed_redis(redis_source)
    config = tmp_path / "config"
    config.mkdir()
    seed_config(config)
    backup = run_ops(
        "backup",
        "--bucket",
        bucket,
        "--prefix",
        "p",
        "--postgres",
        pg.url(source_db),
        "--redis",
        redis_source.url(),
        "--config",
        str(config),
        "--json",
    )
    assert backup.returncode == 0, backup.stderr
    key = backup.json()["sources"]["postgres"]["key"]
    body = bytearray(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    body[len(body) // 2] ^= 0xFF  # one flipped bit pattern, same size
    s3.put_object(Bucket=bucket, Key=key, Body=bytes(body))

    target = pg.create_database("target")
    pg.psql(target, "CREATE TABLE keep_me (v text); INSERT INTO keep_me VALUES ('precious')")
    redis.Redis(port=redis_scratch.port).set("live", "data")
    target_config = tmp_path / "target-config"
    result = run_ops(
        "restore",
        "--bucket",
        bucket,
        "--prefix",
        "p",
        "--postgres",
        pg.url(target),
        "--redis",
        redis_scratch.url(),
        "--config",
        str(target_config),
        "--replace",  # even told to empty the targets, nothing is touched before verification
    )
    assert result.returncode == 1
    message = one_line_error(result.stderr)
    assert "failed verification, nothing was restored" in message
    assert f"postgres (s3://{bucket}/{key}): sha256" in message
    assert pg.psql(target, "SELECT v FROM keep_me") == "precious"
    assert pg.psql(target, "SELECT count(*) FROM pg_tables WHERE tablename = 'items'") == "0"
    assert redis.Redis(port=redis_scratch.port).keys("*") == [b"live"]
    assert not target_config.exists()


@pytest.mark.parametrize("compression", ["zstd", "none"])
def test_damage_in_the_last_bytes_of_a_streamed_dump_commits_nothing(
    run_ops, moto, s3, bucket, pg, source_db, compression, monkeypatch
) -> None:
    """Restore streams the dump into pg_restore while it downloads: the commit waits for
    the final chunk, which is held back until the SHA-256 matched. Damage that only the
    end of the object shows (uncompressed: a changed character in the last table's rows,
    which pg_restore would load happily) must still leave the target untouched."""
    pg.psql(source_db, BIG_TABLE_SQL)  # several MiB: the damage lies past the first chunks
    extra = ["--pg-compress", "0"] if compression == "none" else []
    backup = run_ops(
        "backup",
        "--bucket",
        bucket,
        "--prefix",
        "p",
        "--postgres",
        pg.url(source_db),
        "--json",
        *extra,
    )
    assert backup.returncode == 0, backup.stderr
    entry = backup.json()["sources"]["postgres"]
    assert entry["compression"] == compression and entry["size"] > 3 * 1024 * 1024
    body = bytearray(s3.get_object(Bucket=bucket, Key=entry["key"])["Body"].read())
    # uncompressed: "item 499" becomes "item 599" in the last rows, still valid text that
    # pg_restore would load; zstd: a byte near the end of the frame. Same size either way.
    position = body.rfind(b"item 49") + 5 if compression == "none" else len(body) - 200
    assert position > len(body) - 4096
    body[position] ^= 0x01
    s3.put_object(Bucket=bucket, Key=entry["key"], Body=bytes(body))

    target = pg.create_database("target")
    real_mismatch = ops.streamed_restore.mismatch

    def slow_verification(*args: Any) -> Any:
        """Give pg_restore every chance to commit before the hash is judged: wait (up to
        3 s) for its session to end, which it can only do by committing."""
        session = (
            "SELECT count(*) FROM pg_stat_activity "
            f"WHERE datname = '{target}' AND application_name = 'pg_restore'"
        )
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: pg.psql("postgres", session) == "0", "pg_restore", timeout=3)
        return real_mismatch(*args)

    monkeypatch.setattr(ops.streamed_restore, "mismatch", slow_verification)
    result = invoke(
        "restore",
        "--bucket",
        bucket,
        "--prefix",
        "p",
        "--endpoint-url",
        moto.endpoint,
        "--postgres",
        pg.url(target),
    )
    assert result.exit_code == 1
    message = one_line_error(result.stderr)
    assert "failed verification, nothing was restored (the PostgreSQL load was rolled back)" in (
        message
    )
    assert pg.psql(target, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0"


def test_invalid_newest_manifest_is_skipped_with_a_warning(
    run_ops, s3, bucket, pg, source_db
) -> None:
    ids = []
    for _ in range(2):
        done = run_ops(
            "backup", "--bucket", bucket, "--prefix", "p", "--postgres", pg.url(source_db), "--json"
        )
        assert done.returncode == 0, done.stderr
        ids.append(done.json()["backup_id"])
    s3.put_object(Bucket=bucket, Key=f"p/{ids[1]}/manifest.json", Body=b'{"format_version": 1')
    target = pg.create_database("target")
    result = run_ops(
        "restore", "--bucket", bucket, "--prefix", "p", "--postgres", pg.url(target), "--json"
    )
    assert result.returncode == 0, result.stderr
    assert result.json()["backup_id"] == ids[0]
    assert f"skipping backup {ids[1]}: invalid manifest" in result.stderr


def test_drill_reports_a_mismatch_with_exit_4(
    moto, bucket, pg, source_db, redis_source, redis_scratch, monkeypatch
) -> None:
    seed_redis(redis_source)
    import ops.restore

    real_restore = ops.restore.rd.restore_redis

    def lossy_restore(*args: Any, **kwargs: Any) -> Any:
        stats = real_restore(*args, **kwargs)
        redis.Redis(port=redis_scratch.port).delete("user:1")  # a restore that lost a key
        return stats

    monkeypatch.setattr(ops.restore.rd, "restore_redis", lossy_restore)
    result = invoke(
        "drill",
        "--bucket",
        bucket,
        "--prefix",
        "d",
        "--endpoint-url",
        moto.endpoint,
        "--postgres",
        pg.url(source_db),
        "--redis",
        redis_source.url(),
        "--scratch-postgres",
        pg.url(pg.create_database("s")),
        "--scratch-redis",
        redis_scratch.url(),
        "--json",
    )
    assert result.exit_code == 4
    report = json.loads(result.stdout)
    assert report["matched"] is False
    bad = [c for c in report["checks"] if not c["ok"]]
    assert [c["item"] for c in bad] == ["keys"] and "missing: user:1" in bad[0]["restored"]
    assert one_line_error(result.stderr) == "error: drill found 1 mismatch(es): redis keys"


def test_cloudwatch_client_is_not_needed_without_publish(run_ops, bucket, tmp_path) -> None:
    """Backups do not depend on CloudWatch unless --publish-metric asks for it."""
    result = run_ops(
        "backup",
        "--bucket",
        bucket,
        "--prefix",
        "p",
        "--config",
        str(tmp_path),
        env={"AWS_ENDPOINT_URL_CLOUDWATCH": "http://127.0.0.1:9"},
    )
    assert result.returncode == 0, result.stderr
    assert boto3  # the client module is importable; nothing was published


def _touch(path: Path) -> None:
    path.write_text("x")
