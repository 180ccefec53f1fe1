"""Unit tests: backup selection (--at), objectives, checksums, manifest, URLs, the streaming
uploader against a fake S3 client, safe config extraction and drill comparisons."""

from __future__ import annotations

import hashlib
import io
import re
import sys
import tarfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from ops.checksums import check_file, sha256_file
from ops.drill import compare_config, compare_postgres, compare_redis
from ops.errors import NoBackupError, RestoreError, StorageError, UsageError
from ops.fingerprints.postgres import RelationFingerprint
from ops.fingerprints.redis import KeyFingerprint
from ops.manifest import (
    FORMAT_VERSION,
    Manifest,
    ManifestInvalid,
    SourceEntry,
    backup_id_for,
    backup_id_time,
    check_prefix,
    object_key,
    parse_manifest,
)
from ops.objectives import evaluate, format_duration, parse_duration
from ops.s3_stream import MiB, StreamingUpload
from ops.selection import select_backup
from ops.sources.config_dir import restore_config
from ops.sources.process_stream import ProcessFailed, stream_stdout
from ops.timeparse import parse_time
from ops.urls import parse_postgres_url, parse_redis_url

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def make_manifest(
    started: datetime,
    duration: timedelta = timedelta(minutes=5),
    prefix: str = "prod/app",
    data: bytes = b"dump",
) -> Manifest:
    backup_id = backup_id_for(started)
    entry = SourceEntry(
        key=object_key(prefix, backup_id, "postgres.dump"),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        started_at=started,
        finished_at=started + duration,
        content_type="application/octet-stream",
        format="x",
    )
    return Manifest(
        format_version=FORMAT_VERSION,
        backup_id=backup_id,
        prefix=prefix,
        started_at=started,
        finished_at=started + duration,
        sources={"postgres": entry},
        ops_version="test",
    )


# -- selection (--at) ------------------------------------------------------------------
class Bucket:
    def __init__(self, manifests: dict[str, Manifest | Exception | None]) -> None:
        self.manifests = manifests
        self.loaded: list[str] = []

    def load(self, backup_id: str) -> Manifest | None:
        self.loaded.append(backup_id)
        value = self.manifests[backup_id]
        if isinstance(value, Exception):
            raise value
        return value


def test_select_newest_complete_backup_at_or_before_time() -> None:
    old, mid, new = (make_manifest(T0 + timedelta(hours=h)) for h in (0, 1, 2))
    bucket = Bucket({m.backup_id: m for m in (old, mid, new)})
    at = T0 + timedelta(hours=1, minutes=30)
    selection = select_backup(bucket.manifests, at, bucket.load)
    assert selection.manifest == mid
    assert new.backup_id not in bucket.loaded  # started after --at: never fetched


def test_select_at_exact_finish_time_is_inclusive() -> None:
    backup = make_manifest(T0)
    bucket = Bucket({backup.backup_id: backup})
    assert select_backup(bucket.manifests, backup.finished_at, bucket.load).manifest == backup
    with pytest.raises(NoBackupError):
        select_backup(bucket.manifests, backup.finished_at - timedelta(microseconds=1), bucket.load)


def test_select_skips_incomplete_invalid_and_unfinished_backups() -> None:
    good = make_manifest(T0)
    incomplete = backup_id_for(T0 + timedelta(hours=1))
    invalid = backup_id_for(T0 + timedelta(hours=2))
    running = make_manifest(T0 + timedelta(hours=3), duration=timedelta(hours=2))
    bucket = Bucket(
        {
            good.backup_id: good,
            incomplete: None,
            invalid: ManifestInvalid("format_version: unsupported"),
            running.backup_id: running,
        }
    )
    selection = select_backup(bucket.manifests, T0 + timedelta(hours=4), bucket.load)
    assert selection.manifest == good
    reasons = dict(selection.skipped)
    assert "no manifest" in reasons[incomplete]
    assert "invalid manifest" in reasons[invalid]
    assert "finished after" in reasons[running.backup_id]


def test_select_ignores_foreign_names_and_reports_nothing_found() -> None:
    later = make_manifest(T0 + timedelta(days=1))
    bucket = Bucket({later.backup_id: later, "not-a-backup": None})
    with pytest.raises(NoBackupError, match=r"no complete backup at or before .* \(1 backup"):
        select_backup([later.backup_id, "not-a-backup", "20250101T000000Z"], T0, bucket.load)
    with pytest.raises(NoBackupError, match="no backups in"):
        select_backup([], T0, bucket.load)


def test_select_rejects_manifest_naming_another_backup() -> None:
    real = make_manifest(T0)
    other_id = backup_id_for(T0 + timedelta(minutes=1))
    bucket = Bucket({other_id: real, real.backup_id: real})
    selection = select_backup(bucket.manifests, T0 + timedelta(hours=1), bucket.load)
    assert selection.manifest.backup_id == real.backup_id
    assert "another backup" in dict(selection.skipped)[other_id]


def test_backup_ids_sort_by_time() -> None:
    times = [T0 + timedelta(microseconds=n) for n in (5, 1, 999_999, 10_000_000)]
    ids = [backup_id_for(t) for t in times]
    assert [backup_id_time(i) for i in sorted(ids)] == sorted(times)


# -- objectives ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30m", 1800),
        ("1h", 3600),
        ("1h30m", 5400),
        ("90s", 90),
        ("2d", 172800),
        ("45", 45),
        ("0.5h", 1800),
        (" 1H 5M ", 3900),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "soon", "1x", "h", "1h-5m", "-5m"])
def test_parse_duration_rejects_garbage(text: str) -> None:
    with pytest.raises(UsageError, match="not a duration"):
        parse_duration(text, "--rto")


def test_objectives_met_and_missed() -> None:
    rpo, rto = evaluate(
        timedelta(minutes=59), timedelta(minutes=31), parse_duration("1h"), parse_duration("30m")
    )
    assert rpo.met and not rto.met
    assert rto.describe() == "RTO 31m00s (objective 30m00s): MISSED"
    exact = evaluate(
        timedelta(hours=1), timedelta(minutes=30), timedelta(hours=1), timedelta(minutes=30)
    )
    assert all(result.met for result in exact)
    assert format_duration(timedelta(seconds=12.34)) == "12.3s"
    assert format_duration(timedelta(days=1, hours=2, minutes=3)) == "1d2h3m"


# -- checksums -------------------------------------------------------------------------
def test_check_file_matches_size_and_sha256(tmp_path: Path) -> None:
    data = b"x" * 10_000
    path = tmp_path / "postgres.dump"
    path.write_bytes(data)
    entry = make_manifest(T0, data=data).sources["postgres"]
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    assert check_file(path, entry) is None

    path.write_bytes(b"y" + data[1:])  # same size, one byte flipped
    assert "sha256" in (check_file(path, entry) or "")
    path.write_bytes(data[:-1])
    assert check_file(path, entry) == "size 9999 bytes, manifest says 10000"


# -- manifest --------------------------------------------------------------------------
def test_manifest_round_trip_and_validation() -> None:
    manifest = make_manifest(T0)
    assert parse_manifest(manifest.to_json()) == manifest
    assert manifest.key == f"prod/app/{manifest.backup_id}/manifest.json"

    data = manifest.model_dump(mode="json")
    with pytest.raises(ManifestInvalid, match="unsupported manifest format"):
        parse_manifest(_json({**data, "format_version": 99}))
    with pytest.raises(ManifestInvalid, match="outside backup"):
        entry = {**data["sources"]["postgres"], "key": "elsewhere/postgres.dump"}
        parse_manifest(_json({**data, "sources": {"postgres": entry}}))
    with pytest.raises(ManifestInvalid, match="time zone"):
        parse_manifest(_json({**data, "started_at": "2025-03-01T12:00:00"}))
    with pytest.raises(ManifestInvalid, match="at least one source"):
        parse_manifest(_json({**data, "sources": {}}))
    with pytest.raises(ManifestInvalid):
        parse_manifest(b"{not json")


@pytest.mark.parametrize(
    "key",
    [
        "prod/app/{id}/../../other/postgres.dump",
        "/prod/app/{id}/postgres.dump",
        "prod/other/{id}/postgres.dump",
        "prod/app/{id}/nested/postgres.dump",
        "prod/app/{id}/..",
        "prod/app/{id}/",
        "prod/app/{id}/.hidden",
        "prod/app/20000101T000000.000000Z/postgres.dump",
    ],
)
def test_manifest_refuses_keys_outside_its_backup(key: str) -> None:
    data = make_manifest(T0).model_dump(mode="json")
    entry = {**data["sources"]["postgres"], "key": key.format(id=data["backup_id"])}
    with pytest.raises(ManifestInvalid, match="outside backup"):
        parse_manifest(_json({**data, "sources": {"postgres": entry}}))


def test_manifest_refuses_a_prefix_that_escapes_and_shared_keys() -> None:
    data = make_manifest(T0).model_dump(mode="json")
    with pytest.raises(ManifestInvalid, match=re.escape("'..' segment")):
        parse_manifest(_json({**data, "prefix": "prod/../app"}))
    entry = data["sources"]["postgres"]
    with pytest.raises(ManifestInvalid, match="share one object key"):
        parse_manifest(_json({**data, "sources": {"postgres": entry, "redis": entry}}))


@pytest.mark.parametrize(
    ("prefix", "problem"),
    [
        ("../x", "'..' segment"),
        ("a/../b", "'..' segment"),
        ("a//b", "empty"),
        ("./a", "'.' "),
        ("a\\b", "backslash"),
        ("a\nb", "control character"),
    ],
)
def test_prefixes_that_could_escape_are_refused(prefix: str, problem: str) -> None:
    with pytest.raises(UsageError, match=re.escape(problem)):
        check_prefix(prefix)


def test_sound_prefixes_are_normalized() -> None:
    assert check_prefix(" /prod/mcp-github/ ") == "prod/mcp-github"
    assert check_prefix("") == ""
    assert check_prefix("team.a/v1.2_x") == "team.a/v1.2_x"


def _json(data: dict[str, Any]) -> bytes:
    import json

    return json.dumps(data).encode()


# -- URLs and times --------------------------------------------------------------------
def test_postgres_url_keeps_password_out_of_argv_and_messages() -> None:
    url = parse_postgres_url("postgresql://app:s%40cret@db.internal:6432/fleet?sslmode=require")
    assert (url.host, url.port, url.dbname, url.password) == (
        "db.internal",
        6432,
        "fleet",
        "s@cret",
    )
    assert "cret" not in url.safe and "cret" not in url.display
    assert url.safe == "postgresql://app@db.internal:6432/fleet?sslmode=require"
    assert url.env() == {"PGPASSWORD": "s@cret"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mysql://x/db", "expected a URL starting with postgresql://"),
        ("postgresql://host:notaport/db", "malformed URL"),
        ("postgresql://host:5432", "names no database"),
        ("", "empty URL"),
    ],
)
def test_postgres_url_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_postgres_url(text)


def test_socket_urls() -> None:
    redis_url = parse_redis_url("unix://:pw@/run/redis/redis.sock?db=2")
    assert (redis_url.socket, redis_url.db, redis_url.password) == (
        "/run/redis/redis.sock",
        2,
        "pw",
    )
    assert redis_url.cli_argv()[:4] == ["-s", "/run/redis/redis.sock", "-n", "2"]
    assert "pw" not in " ".join(redis_url.cli_argv()) and "pw" not in redis_url.display
    assert redis_url.display == "unix://:***@/run/redis/redis.sock?db=2"
    assert parse_redis_url("unix:///run/r.sock").display == "unix:///run/r.sock"
    with pytest.raises(UsageError, match="db must be a number"):
        parse_redis_url("unix:///run/redis.sock?db=x")
    pg_url = parse_postgres_url("postgresql://app@/fleet?host=/run/postgresql&port=6432")
    assert (pg_url.host, pg_url.port, pg_url.dbname) == ("/run/postgresql", 6432, "fleet")


def test_redis_url() -> None:
    url = parse_redis_url("rediss://:pw@cache:6380/3")
    assert (url.host, url.port, url.db, url.tls, url.password) == ("cache", 6380, 3, True, "pw")
    assert url.safe == "rediss://cache:6380/3" and url.env() == {"REDISCLI_AUTH": "pw"}
    with pytest.raises(UsageError, match="database must be a number"):
        parse_redis_url("redis://cache/abc")
    with pytest.raises(UsageError, match="redis://"):
        parse_redis_url("http://cache")


def test_parse_time() -> None:
    assert parse_time("2025-03-01T12:00:00Z") == T0
    assert parse_time("2025-03-01T13:00:00+01:00") == T0
    assert parse_time("2025-03-01T12:00:00") == T0  # no zone: UTC
    assert parse_time(None).tzinfo is not None
    with pytest.raises(UsageError, match="not an ISO 8601 time"):
        parse_time("yesterday")


# -- streaming upload against a fake S3 ------------------------------------------------
class FakeS3:
    def __init__(self, fail_part: int | None = None) -> None:
        self.calls: list[str] = []
        self.parts: dict[int, bytes] = {}
        self.objects: dict[str, bytes] = {}
        self.fail_part = fail_part
        self.lock = threading.Lock()

    def _call(self, name: str) -> None:
        with self.lock:
            self.calls.append(name)

    def put_object(self, **kwargs: Any) -> dict[str, Any]:
        self._call("PutObject")
        self.objects[kwargs["Key"]] = kwargs["Body"]
        return {}

    def create_multipart_upload(self, **kwargs: Any) -> dict[str, Any]:
        self._call("CreateMultipartUpload")
        return {"UploadId": "upload-1"}

    def upload_part(self, **kwargs: Any) -> dict[str, Any]:
        self._call("UploadPart")
        if kwargs["PartNumber"] == self.fail_part:
            raise botocore.exceptions.EndpointConnectionError(endpoint_url="http://s3")
        self.parts[kwargs["PartNumber"]] = kwargs["Body"]
        return {"ETag": f'"etag-{kwargs["PartNumber"]}"'}

    def complete_multipart_upload(self, **kwargs: Any) -> dict[str, Any]:
        self._call("CompleteMultipartUpload")
        numbers = [p["PartNumber"] for p in kwargs["MultipartUpload"]["Parts"]]
        assert numbers == sorted(self.parts)
        self.objects[kwargs["Key"]] = b"".join(self.parts[n] for n in numbers)
        return {}

    def abort_multipart_upload(self, **kwargs: Any) -> dict[str, Any]:
        self._call("AbortMultipartUpload")
        return {}


def _feed(upload: StreamingUpload, data: bytes, chunk: int = 300_001) -> None:
    for start in range(0, len(data), chunk):
        upload.write(data[start : start + chunk])


def test_small_stream_is_a_single_put() -> None:
    s3 = FakeS3()
    upload = StreamingUpload(s3, "b", "k", part_size=5 * MiB)  # type: ignore[arg-type]
    _feed(upload, b"a" * 1000)
    result = upload.complete()
    assert s3.calls == ["PutObject"] and s3.objects["k"] == b"a" * 1000
    assert result.sha256 == hashlib.sha256(b"a" * 1000).hexdigest() and result.size == 1000


def test_large_stream_uploads_parts_of_part_size_and_hashes_everything() -> None:
    s3 = FakeS3()
    data = bytes(range(256)) * (90 * 1024)  # 22.5 MiB
    seen: list[int] = []
    upload = StreamingUpload(
        s3,  # type: ignore[arg-type]
        "b",
        "k",
        part_size=8 * MiB,  # type: ignore[arg-type]
        on_progress=seen.append,
    )
    _feed(upload, data)
    result = upload.complete()
    assert [len(s3.parts[n]) for n in sorted(s3.parts)] == [8 * MiB, 8 * MiB, len(data) - 16 * MiB]
    assert s3.objects["k"] == data and sum(seen) == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.parts == 3
    assert "AbortMultipartUpload" not in s3.calls


def test_failed_part_aborts_the_multipart_upload() -> None:
    s3 = FakeS3(fail_part=2)
    upload = StreamingUpload(
        s3,  # type: ignore[arg-type]
        "b",
        "k",
        part_size=5 * MiB,  # type: ignore[arg-type]
        max_in_flight=1,
    )
    with pytest.raises(StorageError, match="cannot reach"):
        _feed(upload, b"z" * (16 * MiB))
        upload.complete()
    assert s3.calls.count("AbortMultipartUpload") == 1
    assert "CompleteMultipartUpload" not in s3.calls and "k" not in s3.objects


def test_source_failure_inside_the_context_aborts() -> None:
    s3 = FakeS3()
    with (
        pytest.raises(OSError, match="source died"),
        StreamingUpload(s3, "b", "k", part_size=5 * MiB) as upload,  # type: ignore[arg-type]
    ):  # type: ignore[arg-type]
        _feed(upload, b"q" * (6 * MiB))
        raise OSError("source died")
    assert s3.calls[-1] == "AbortMultipartUpload" and "k" not in s3.objects


def test_part_size_below_s3_minimum_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 5 MiB"):
        StreamingUpload(FakeS3(), "b", "k", part_size=MiB)  # type: ignore[arg-type]


# -- child processes -------------------------------------------------------------------
def test_stream_stdout_reports_failure_with_stderr() -> None:
    code = (
        "import sys; sys.stdout.write('partial'); sys.stderr.write('boom: it broke'); sys.exit(3)"
    )
    chunks: list[bytes] = []
    with pytest.raises(ProcessFailed, match="boom: it broke") as failure:
        for chunk in stream_stdout([sys.executable, "-c", code]):
            chunks.append(chunk)
    assert b"".join(chunks) == b"partial" and failure.value.returncode == 3


def test_stream_stdout_kills_the_child_when_the_consumer_stops() -> None:
    code = "import sys\nwhile True: sys.stdout.buffer.write(b'x' * 65536)"
    stream = stream_stdout([sys.executable, "-c", code])
    next(stream)
    stream.close()  # type: ignore[attr-defined]  # GeneratorExit inside: the child is killed and reaped
    leftover = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"while True: sys.stdout" in cmdline.read_bytes():
                leftover.append(cmdline.parent.name)
        except OSError:
            continue
    assert leftover == []


# -- safe config extraction ------------------------------------------------------------
def _archive(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def test_restore_config_refuses_path_traversal_before_writing_anything(tmp_path: Path) -> None:
    archive = _archive(
        tmp_path / "evil.tar.gz", [_file("good.yaml", b"ok"), _file("../escaped.txt", b"pwned")]
    )
    target = tmp_path / "target"
    with pytest.raises(RestoreError, match="nothing extracted"):
        restore_config(archive, target)
    assert not (tmp_path / "escaped.txt").exists()
    assert list(target.iterdir()) == []


@pytest.mark.parametrize("link_target", ["/etc/passwd", "../../outside"])
def test_restore_config_refuses_links_leaving_the_directory(
    tmp_path: Path, link_target: str
) -> None:
    link = tarfile.TarInfo("link")
    link.type = tarfile.SYMTYPE
    link.linkname = link_target
    archive = _archive(tmp_path / "links.tar.gz", [_file("a.yaml", b"a"), (link, None)])
    with pytest.raises(RestoreError, match="nothing extracted"):
        restore_config(archive, tmp_path / "target")
    assert not (tmp_path / "target" / "a.yaml").exists()


def test_restore_config_keeps_absolute_names_inside_the_target(tmp_path: Path) -> None:
    outside = tmp_path / "abs.txt"
    archive = _archive(tmp_path / "abs.tar.gz", [_file(str(outside), b"x")])
    target = tmp_path / "target"
    restore_config(archive, target)  # the data filter strips the leading "/"
    assert not outside.exists()
    assert (target / str(outside).lstrip("/")).read_bytes() == b"x"


# -- drill comparisons -----------------------------------------------------------------
def test_compare_postgres_flags_changed_missing_and_extra_tables() -> None:
    source = {
        "table public.a": RelationFingerprint("table", "public.a", "3", "1-2"),
        "table public.b": RelationFingerprint("table", "public.b", "1", "5-5"),
    }
    restored = {
        "table public.a": RelationFingerprint("table", "public.a", "3", "1-3"),
        "table public.c": RelationFingerprint("table", "public.c", "0", "0-0"),
    }
    checks = {c.item: c for c in compare_postgres(source, restored)}
    assert not checks["table public.a"].ok  # same count, different content
    assert not checks["table public.b"].ok and checks["table public.b"].restored == "absent"
    assert not checks["table public.c"].ok and checks["table public.c"].source == "absent"


def test_compare_redis_flags_values_ttls_and_keys() -> None:
    source = {
        b"a": KeyFingerprint("string", "1", True),
        b"b": KeyFingerprint("hash", "2", False),
        b"c": KeyFingerprint("set", "3", False),
    }
    restored = {
        b"a": KeyFingerprint("string", "1", False),
        b"b": KeyFingerprint("hash", "9", False),
    }
    keys, values, ttls = compare_redis(source, restored)
    assert not keys.ok and "missing: c" in keys.restored
    assert not values.ok and "b" in values.restored
    assert not ttls.ok and "a" in ttls.restored
    assert all(c.ok for c in compare_redis(source, dict(source)))


def test_compare_config_byte_for_byte(tmp_path: Path) -> None:
    left, right = tmp_path / "l", tmp_path / "r"
    for side in (left, right):
        (side / "d").mkdir(parents=True)
        (side / "d" / "f").write_bytes(b"same size A")
    assert compare_config(left, right)[0].ok
    (right / "d" / "f").write_bytes(b"same size B")
    (right / "extra").write_text("x")
    check = compare_config(left, right)[0]
    assert not check.ok and "different: d/f" in check.restored and "extra: extra" in check.restored


# -- invariants ------------------------------------------------------------------------
def test_ops_never_deletes_objects() -> None:
    """Only AbortMultipartUpload of its own upload; expiry is the bucket lifecycle's job."""
    package = Path(__file__).resolve().parents[2] / "ops"
    forbidden = re.compile(r"delete_object|delete_objects|DeleteObject|delete_bucket|\.delete\(")
    offenders = [str(path) for path in package.rglob("*.py") if forbidden.search(path.read_text())]
    assert offenders == []


def test_part_size_grows_so_long_streams_fit_in_10000_parts(monkeypatch) -> None:
    monkeypatch.setattr(StreamingUpload, "PARTS_PER_DOUBLING", 2)
    s3 = FakeS3()
    data = b"p" * (5 * MiB * 2 + 10 * MiB * 2 + 3 * MiB)
    upload = StreamingUpload(s3, "b", "k", part_size=5 * MiB)  # type: ignore[arg-type]
    _feed(upload, data, chunk=MiB)
    upload.complete()
    sizes = [len(s3.parts[n]) for n in sorted(s3.parts)]
    assert sizes == [5 * MiB, 5 * MiB, 10 * MiB, 10 * MiB, 3 * MiB]
    assert s3.objects["k"] == data


def test_restore_refuses_a_work_dir_too_small_before_downloading(tmp_path, monkeypatch) -> None:
    import shutil as shutil_module

    from ops.restore import check_space

    manifest = make_manifest(T0, data=b"x" * 1000)
    check_space(manifest, tmp_path)
    usage = shutil_module.disk_usage(tmp_path)
    monkeypatch.setattr("ops.restore.shutil.disk_usage", lambda _: usage._replace(free=999))
    with pytest.raises(RestoreError, match=r"needs 1,000 bytes .* has 999 free: use --work-dir"):
        check_space(manifest, tmp_path)
    with pytest.raises(UsageError, match="not a directory"):
        check_space(manifest, tmp_path / "missing")


def test_ops_starts_without_importing_pulumi_and_knows_the_keys_dir() -> None:
    """backup/restore/drill must not pay for the catalog package (pulumi) at startup."""
    import subprocess

    probe = "import sys, ops.cli; print('pulumi' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    import ops.catalog_signing
    from catalog import signing

    assert ops.catalog_signing.KEYS_DIR == signing.KEYS_DIR
