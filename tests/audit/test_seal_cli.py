"""``ops audit seal`` against moto: the audit log group (a lab day's gateway lines from two
replicas plus ``ops catalog`` events) into the locked archive, exactly once, then searched
and verified.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import botocore.exceptions
import pytest
import typer
from typer.testing import CliRunner, Result

from audit.archive import AuditArchive
from audit.cursor import SealCursor
from ops.audit_cli import EXIT_CHAIN_BROKEN, audit_app
from ops.catalog_audit import AuditDestination
from tests.audit.audit_log_group import (
    AUDIT_GROUP,
    CATALOG_STREAM,
    GATEWAY_STREAM,
    OTHER_GATEWAY_STREAM,
    create_group,
    deliver,
)
from tests.audit.lab_day import (
    ACME_BETWEEN_09_03_AND_09_08,
    GATEWAY_LINES,
    NOT_AUDIT_EVENTS,
    WHO_CALLED_CREATE_ISSUE,
    WHO_PROMOTED_GITHUB,
    catalog_day,
)

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client

root = typer.Typer()
root.add_typer(audit_app, name="audit")


@root.callback()
def _root() -> None:
    """Stands in for ``python -m ops``."""


def ops(*args: str) -> Result:
    return CliRunner().invoke(root, ["audit", *args], catch_exceptions=False)


def seal(bucket: str, *extra: str) -> dict[str, Any]:
    """One CronJob run; ``--settle-seconds 0``: everything ingested so far is due."""
    result = ops(
        "seal", "--bucket", bucket, "--log-group", AUDIT_GROUP,
        "--settle-seconds", "0", "--format", "json", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


@pytest.fixture
def logs(s3: S3Client) -> Iterator[CloudWatchLogsClient]:
    """CloudWatch Logs in the same moto as ``s3``, with the audit group created."""
    client = boto3.client("logs", region_name="us-east-1")
    create_group(client)
    yield client


@pytest.fixture
def delivered(logs: CloudWatchLogsClient) -> CloudWatchLogsClient:
    """The lab day as Fluent Bit and the catalog leave it in the audit group: the gateway
    lines split over two replicas' streams (odd lines on the second), catalog events apart."""
    deliver(logs, GATEWAY_STREAM, GATEWAY_LINES[0::2])
    deliver(logs, OTHER_GATEWAY_STREAM, GATEWAY_LINES[1::2])
    deliver(logs, CATALOG_STREAM, [event.model_dump_json() for event in catalog_day()])
    return logs


def found(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_second_run_seals_nothing_and_a_new_line_is_sealed_once(
    delivered: CloudWatchLogsClient, locked_bucket: str
) -> None:
    first = seal(locked_bucket)
    assert (first["sealed"], first["first"], first["last"]) == (15, 1, 15)
    assert (first["objects"], first["skipped"]) == (1, NOT_AUDIT_EVENTS)
    again = seal(locked_bucket)
    assert (again["sealed"], again["read"]) == (0, 0)
    assert again["cursor_ingested_ms"] == first["cursor_ingested_ms"]

    deliver(delivered, GATEWAY_STREAM, [GATEWAY_LINES[3]])
    third = seal(locked_bucket)
    assert (third["sealed"], third["first"], third["last"], third["read"]) == (1, 16, 16, 1)
    assert seal(locked_bucket)["sealed"] == 0
    verified = ops("verify", "--bucket", locked_bucket)
    assert "chain intact, 16 records, last record 16" in verified.stdout, verified.stderr


def test_the_three_questions_are_answered_from_the_sealed_archive(
    delivered: CloudWatchLogsClient, locked_bucket: str
) -> None:
    seal(locked_bucket)
    tool = found(
        ops("search", "--bucket", locked_bucket, "--tool", "create_issue", "--format", "json")
    )
    assert [(r["user"], r["tenant"], r["result"]) for r in tool] == WHO_CALLED_CREATE_ISSUE
    window = found(
        ops(
            "search", "--bucket", locked_bucket, "--tenant", "acme",
            "--since", "2026-11-26T09:03Z", "--until", "2026-11-26T09:08Z", "--format", "json",
        )
    )  # fmt: skip
    assert [(r["resource"], r["result"]) for r in window] == ACME_BETWEEN_09_03_AND_09_08
    promoted = found(
        ops("search", "--bucket", locked_bucket, "--promoted", "github", "--format", "json")
    )
    assert [
        (r["user"], r["details"]["from_stage"], r["details"]["to_stage"]) for r in promoted
    ] == WHO_PROMOTED_GITHUB


def test_records_of_one_run_are_sealed_in_time_order_across_replicas(
    s3: S3Client, delivered: CloudWatchLogsClient, locked_bucket: str
) -> None:
    seal(locked_bucket)
    records = [entry.record for entry in AuditArchive(s3, locked_bucket).records()]
    stamps = [record.timestamp for record in records if record is not None]
    assert len(stamps) == 15
    assert stamps == sorted(stamps)


def test_a_catalog_event_archived_directly_joins_the_same_chain_and_keeps_the_cursor(
    s3: S3Client, delivered: CloudWatchLogsClient, locked_bucket: str
) -> None:
    """``ops catalog ... --audit-bucket`` seals after the archive's last record; its object
    carries the sealer's cursor forward, so the next run neither reseals nor skips."""
    first = seal(locked_bucket)
    promotion = catalog_day()[2]
    written = AuditDestination(bucket=locked_bucket, log=None).write([promotion])
    assert written.startswith("audit record 16 archived")
    archive = AuditArchive(s3, locked_bucket)
    assert archive.cursor() == SealCursor(AUDIT_GROUP, first["cursor_ingested_ms"])
    deliver(delivered, OTHER_GATEWAY_STREAM, [GATEWAY_LINES[8]])
    after = seal(locked_bucket)
    assert (after["sealed"], after["first"]) == (1, 17)
    assert "chain intact, 17 records" in ops("verify", "--bucket", locked_bucket).stdout


def test_a_failed_run_loses_nothing_and_the_rerun_seals_everything_once(
    s3: S3Client,
    delivered: CloudWatchLogsClient,
    locked_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(*_args: Any, **_kwargs: Any) -> None:
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "PutObject"
        )

    with monkeypatch.context() as patched:
        patched.setattr(AuditArchive, "_put", refused)
        failed = ops("seal", "--bucket", locked_bucket, "--log-group", AUDIT_GROUP,
                     "--settle-seconds", "0")  # fmt: skip
    assert failed.exit_code == 1
    assert "events were not written: append them again" in failed.stderr
    assert AuditArchive(s3, locked_bucket).batches() == []
    rerun = seal(locked_bucket)
    assert (rerun["sealed"], rerun["first"], rerun["last"]) == (15, 1, 15)
    assert seal(locked_bucket)["sealed"] == 0


def test_small_batches_each_carry_their_cursor(
    s3: S3Client, delivered: CloudWatchLogsClient, locked_bucket: str
) -> None:
    """Three deliveries, three ingestion times; batches of 1 never split one of them."""
    summary = seal(locked_bucket, "--batch-size", "1")
    assert summary["sealed"] == 15
    archive = AuditArchive(s3, locked_bucket)
    cursors = [
        int(s3.head_object(Bucket=locked_bucket, Key=b.key)["Metadata"]["audit-cursor-ingested-ms"])
        for b in archive.batches()
    ]
    assert cursors == sorted(cursors)
    assert cursors[-1] == summary["cursor_ingested_ms"]
    assert len(archive.batches()) == summary["objects"] == 3


def test_a_bad_line_names_its_stream_and_event_and_seals_nothing(
    s3: S3Client, logs: CloudWatchLogsClient, locked_bucket: str
) -> None:
    deliver(logs, GATEWAY_STREAM, [GATEWAY_LINES[3], '{"server": "github"}'])
    result = ops("seal", "--bucket", locked_bucket, "--log-group", AUDIT_GROUP,
                 "--settle-seconds", "0")  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: log group {AUDIT_GROUP} stream {GATEWAY_STREAM} event "
    )
    assert "time_unix: Field required; nothing of this stretch was sealed" in result.stderr
    assert AuditArchive(s3, locked_bucket).batches() == []


def test_an_archive_sealed_from_another_group_is_refused(
    delivered: CloudWatchLogsClient, locked_bucket: str
) -> None:
    seal(locked_bucket)
    create_group(delivered, "/mcp-fleet-dev/audit")
    result = ops("seal", "--bucket", locked_bucket, "--log-group", "/mcp-fleet-dev/audit")
    assert result.exit_code == 1
    assert f"was sealed from log group {AUDIT_GROUP}, not /mcp-fleet-dev/audit" in result.stderr


def test_settling_leaves_recent_lines_for_the_next_run(
    delivered: CloudWatchLogsClient, locked_bucket: str
) -> None:
    waiting = seal_with_settle(locked_bucket, 600)
    assert (waiting["sealed"], waiting["read"], waiting["cursor_ingested_ms"]) == (0, 0, None)
    assert seal(locked_bucket)["sealed"] == 15


def seal_with_settle(bucket: str, seconds: int) -> dict[str, Any]:
    result = ops("seal", "--bucket", bucket, "--log-group", AUDIT_GROUP,
                 "--settle-seconds", str(seconds), "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


@pytest.mark.parametrize("tamper", ["delete", "edit", "swap"])
def test_verify_names_the_record_after_tampering_with_a_sealed_object(
    s3: S3Client, delivered: CloudWatchLogsClient, locked_bucket: str, tamper: str
) -> None:
    seal(locked_bucket)
    key = AuditArchive(s3, locked_bucket).batches()[0].key
    lines = gzip.decompress(
        s3.get_object(Bucket=locked_bucket, Key=key)["Body"].read()
    ).splitlines()
    if tamper == "delete":
        del lines[4]
    elif tamper == "edit":
        lines[4] = lines[4].replace(b'"acme"', b'"globex"')
    else:
        lines[4], lines[5] = lines[5], lines[4]
    s3.put_object(Bucket=locked_bucket, Key=key, Body=gzip.compress(b"\n".join(lines) + b"\n"))
    result = ops("verify", "--bucket", locked_bucket, "--format", "json")
    assert result.exit_code == EXIT_CHAIN_BROKEN
    broken = json.loads(result.stdout)["broken"]
    expected = {"delete": ("removed", 5), "edit": ("edited", 5), "swap": ("reordered", 6)}
    assert (broken["kind"], broken["sequence"]) == expected[tamper]
    assert key in broken["where"] or broken["kind"] == "removed"


def test_a_sealed_object_is_locked_and_its_version_cannot_be_deleted(
    s3: S3Client, delivered: CloudWatchLogsClient, locked_bucket: str
) -> None:
    seal(locked_bucket)
    key = AuditArchive(s3, locked_bucket).batches()[0].key
    head = s3.head_object(Bucket=locked_bucket, Key=key)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        s3.delete_object(Bucket=locked_bucket, Key=key, VersionId=head["VersionId"])
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
