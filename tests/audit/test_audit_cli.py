"""``ops audit`` end to end against moto: append a lab day, answer the three questions, verify.

The sub-app is mounted under a root app exactly as ``ops/cli.py`` will mount it
(``app.add_typer(audit_app, name="audit")``).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import typer
from typer.testing import CliRunner, Result

from audit.archive import AuditArchive
from ops.audit_cli import EXIT_CHAIN_BROKEN, audit_app
from tests.audit.lab_day import (
    ACME_BETWEEN_09_03_AND_09_08,
    GATEWAY_LINES,
    NOT_AUDIT_EVENTS,
    WHO_CALLED_CREATE_ISSUE,
    WHO_PROMOTED_GITHUB,
    catalog_day,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

root = typer.Typer()
root.add_typer(audit_app, name="audit")


@root.callback()
def _root() -> None:
    """Stands in for ``python -m ops``."""


def ops(*args: str) -> Result:
    return CliRunner().invoke(root, ["audit", *args], catch_exceptions=False)


@pytest.fixture
def lab_bucket(locked_bucket: str, tmp_path: Path) -> str:
    """The lab's gateway log and the catalog's events, appended by the CLI."""
    gateway_log = tmp_path / "gateway.log"
    gateway_log.write_text("\n".join(GATEWAY_LINES) + "\n")
    events = tmp_path / "catalog-events.jsonl"
    events.write_text("".join(e.model_dump_json() + "\n" for e in catalog_day()))
    first = ops(
        "append", "--bucket", locked_bucket, "--input", str(gateway_log), "--format", "json"
    )
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout) == {
        "appended": 8,
        "first": 1,
        "last": 8,
        "skipped": NOT_AUDIT_EVENTS,
    }
    second = ops("append", "--bucket", locked_bucket, "--input", str(events), "--source", "events")
    assert second.exit_code == 0, second.stderr
    assert "appended records 9..15" in second.stdout
    return locked_bucket


def found(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_who_called_tool_x(lab_bucket: str) -> None:
    records = found(
        ops("search", "--bucket", lab_bucket, "--tool", "create_issue", "--format", "json")
    )
    assert [(r["user"], r["tenant"], r["result"]) for r in records] == WHO_CALLED_CREATE_ISSUE


def test_what_did_tenant_y_do_between_t1_and_t2(lab_bucket: str) -> None:
    result = ops(
        "search",
        "--bucket",
        lab_bucket,
        "--tenant",
        "acme",
        "--since",
        "2026-11-26T09:03:00Z",
        "--until",
        "2026-11-26T10:08:00+01:00",
        "--format",
        "json",
    )
    records = found(result)
    assert [(r["resource"], r["result"]) for r in records] == ACME_BETWEEN_09_03_AND_09_08
    assert "3 of 15 records matched" in result.stderr


def test_who_promoted_server_z(lab_bucket: str) -> None:
    records = found(
        ops("search", "--bucket", lab_bucket, "--promoted", "github", "--format", "json")
    )
    answers = [(r["user"], r["details"]["from_stage"], r["details"]["to_stage"]) for r in records]
    assert answers == WHO_PROMOTED_GITHUB


def test_text_output_shows_who_what_when_and_why(lab_bucket: str) -> None:
    result = ops("search", "--bucket", lab_bucket, "--promoted", "jira")
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.splitlines()
    for part in (
        "2026-11-26T16:00:00.000000Z",
        "catalog.promotion",
        "user=grace@corp.example",
        "servers/jira",
        "reason='CAB-1234 approved'",
        "to_stage=prod",
    ):
        assert part in line


def test_verify_passes_on_the_lab_archive(lab_bucket: str) -> None:
    result = ops("verify", "--bucket", lab_bucket)
    assert result.exit_code == 0, result.stderr
    assert "chain intact, 15 records, last record 15" in result.stdout


def test_verify_fails_naming_the_record_with_exit_5(s3: S3Client, lab_bucket: str) -> None:
    key = AuditArchive(s3, lab_bucket).batches()[0].key
    lines = gzip.decompress(s3.get_object(Bucket=lab_bucket, Key=key)["Body"].read()).splitlines()
    del lines[4]
    s3.put_object(Bucket=lab_bucket, Key=key, Body=gzip.compress(b"\n".join(lines) + b"\n"))
    result = ops("verify", "--bucket", lab_bucket, "--format", "json")
    assert result.exit_code == EXIT_CHAIN_BROKEN
    report = json.loads(result.stdout)
    assert (report["ok"], report["intact"], report["broken"]["kind"]) == (False, 4, "removed")
    assert report["broken"]["sequence"] == 5
    assert result.stderr.startswith("error: audit chain broken: record 5 removed")


def test_bad_input_exits_2_and_writes_nothing(
    s3: S3Client, locked_bucket: str, tmp_path: Path
) -> None:
    log = tmp_path / "gateway.log"
    log.write_text(GATEWAY_LINES[3] + "\n" + '{"server": "github"}\n')
    result = ops("append", "--bucket", locked_bucket, "--input", str(log))
    assert result.exit_code == 2
    assert result.stderr == f"error: {log}:2: time_unix: Field required\n"
    assert AuditArchive(s3, locked_bucket).batches() == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "--since", "yesterday"], "error: --since: not an ISO 8601 time"),
        (["append", "--input", "/nonexistent/gateway.log"], "error: --input /nonexistent"),
        (["verify", "--bucket", " "], "error: --bucket: give the audit archive's bucket name"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    locked_bucket: str, args: list[str], message: str
) -> None:
    if "--bucket" not in args:
        args = [*args, "--bucket", locked_bucket]
    result = ops(*args)
    assert result.exit_code == 2 and result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1


def test_archive_and_aws_failures_exit_1(s3: S3Client, tmp_path: Path) -> None:
    missing = ops("verify", "--bucket", "no-such-bucket")
    assert missing.exit_code == 1 and missing.stderr == "error: AWS: bucket does not exist\n"
    s3.create_bucket(Bucket="plain-bucket")
    events = tmp_path / "events.jsonl"
    events.write_text(catalog_day()[0].model_dump_json() + "\n")
    unlocked = ops(
        "append", "--bucket", "plain-bucket", "--input", str(events), "--source", "events"
    )
    assert unlocked.exit_code == 1 and "has no Object Lock" in unlocked.stderr


def test_append_reads_stdin(locked_bucket: str) -> None:
    events = "".join(e.model_dump_json() + "\n" for e in catalog_day()[:2])
    result = CliRunner().invoke(
        root,
        ["audit", "append", "--bucket", locked_bucket, "--input", "-", "--source", "events"],
        input=events,
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("appended records 1..2 to s3://mcp-fleet-audit/audit/")
