"""``python -m ops audit``: search, verify and extend the audit archive in S3.

    search --bucket B [--prefix P] [--tool X] [--tenant Y] [--since T1] [--until T2]
           [--promoted SERVER] [--format text|json]
    verify --bucket B [--prefix P] [--format text|json]
    append --bucket B [--prefix P] --input FILE|- [--source gateway|events]
           [--retention-years N] [--batch-size N]
    seal   --bucket B --log-group G [--prefix P] [--retention-years N] [--batch-size N]
           [--settle-seconds N] [--lookback-minutes N] [--publish-metric]

``seal --publish-metric`` publishes ``McpFleet/Audit SealLagSeconds`` (dimension LogGroup)
after every run that returns, also one that sealed nothing: now minus the ingestion time up
to which the group is sealed. A failed run publishes nothing; the alarm counts that missing
data as breaching (components/audit_seal_alarm.py, docs/runbooks/audit-seal.md).

Exit codes: 0 ok; 1 the archive or AWS failed (no bucket, no Object Lock, access denied,
an unreadable object during search); 2 bad input (a bad option, time or input line: nothing
was written); 5 ``verify`` found the chain broken (it names the first removed, reordered or
edited record). 1 and 2 mean what they mean for every ``python -m ops`` command; 3 and 4
belong to backups and drills.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import botocore.exceptions
import typer

from audit.defaults import DEFAULT_BATCH_SIZE, DEFAULT_PREFIX, DEFAULT_RETENTION_YEARS
from ops.errors import EXIT_FAILURE, OpsError, UsageError

EXIT_CHAIN_BROKEN = 5

audit_app = typer.Typer(
    name="audit",
    help="Search, verify and append to the immutable audit archive (S3 with Object Lock).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class InputSource(StrEnum):
    GATEWAY = "gateway"
    EVENTS = "events"


Bucket = Annotated[str, typer.Option("--bucket", help="The audit archive bucket.")]
Prefix = Annotated[str, typer.Option("--prefix", help="Key prefix of the archive.")]
Format = Annotated[OutputFormat, typer.Option("--format", help="text or json (JSON Lines).")]
EndpointUrl = Annotated[
    str | None,
    typer.Option(help="S3 endpoint (moto, MinIO); default: AWS (or AWS_ENDPOINT_URL_S3)."),
]
Region = Annotated[str | None, typer.Option(help="AWS region; default: boto3's chain.")]


@contextlib.contextmanager
def _reported() -> Iterator[None]:
    """One ``error:`` line and the documented exit status; tracebacks only with OPS_DEBUG."""
    try:
        yield
    except OpsError as error:
        _fail(str(error), error.exit_code)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        from ops.aws import describe

        _fail(f"AWS: {describe(error)}", EXIT_FAILURE)


def _fail(message: str, code: int) -> None:
    if os.environ.get("OPS_DEBUG"):
        traceback.print_exc()
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _archive(bucket: str, prefix: str, endpoint_url: str | None, region: str | None) -> Any:
    from audit.archive import AuditArchive
    from ops.aws import s3_client

    if not bucket.strip():
        raise UsageError("--bucket: give the audit archive's bucket name")
    return AuditArchive(s3_client(endpoint_url, region), bucket.strip(), prefix)


@audit_app.command()
def search(
    bucket: Bucket,
    prefix: Prefix = DEFAULT_PREFIX,
    tool: Annotated[str | None, typer.Option(help="Who called this tool?")] = None,
    tenant: Annotated[str | None, typer.Option(help="What did this tenant do?")] = None,
    since: Annotated[str | None, typer.Option(help="From this time (ISO 8601, UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this time (ISO 8601).")] = None,
    promoted: Annotated[str | None, typer.Option(help="Who promoted this server?")] = None,
    output: Format = OutputFormat.TEXT,
    endpoint_url: EndpointUrl = None,
    region: Region = None,
) -> None:
    """Print the archived records that match every filter given, in chain order."""
    from audit.errors import ArchiveError
    from audit.search import Query
    from ops.timeparse import parse_time

    with _reported():
        query = Query(
            tool=tool,
            tenant=tenant,
            since=parse_time(since, "--since") if since else None,
            until=parse_time(until, "--until") if until else None,
            promoted=promoted,
        )
        archive = _archive(bucket, prefix, endpoint_url, region)
        matched = scanned = 0
        for entry in archive.records():
            if entry.record is None:
                raise ArchiveError(
                    f"unreadable record at {entry.where}: {entry.problem} "
                    "(run `python -m ops audit verify`)"
                )
            scanned += 1
            if query.matches(entry.record):
                matched += 1
                typer.echo(_shown(entry.record, output))
        typer.echo(f"{matched} of {scanned} records matched", err=True)


def _shown(record: Any, output: OutputFormat) -> str:
    if output is OutputFormat.JSON:
        return record.model_dump_json()
    fields = [
        record.model_dump(mode="json")["timestamp"],
        f"#{record.sequence}",
        record.event_type.value,
        f"user={record.user or '-'}",
        f"tenant={record.tenant or '-'}",
        record.action,
        record.resource,
        record.result.value,
    ]
    if record.reason:
        fields.append(f"reason={record.reason!r}")
    fields.extend(f"{key}={value}" for key, value in sorted(record.details.items()))
    if record.trace_id:
        fields.append(f"trace={record.trace_id}")
    return "  ".join(fields)


@audit_app.command()
def verify(
    bucket: Bucket,
    prefix: Prefix = DEFAULT_PREFIX,
    output: Format = OutputFormat.TEXT,
    endpoint_url: EndpointUrl = None,
    region: Region = None,
) -> None:
    """Walk the hash chain; name the first removed, reordered or edited record (exit 5)."""
    from audit.archive_check import check

    with _reported():
        archive = _archive(bucket, prefix, endpoint_url, region)
        verdict = check(archive)
        location = f"s3://{archive.bucket}/{archive.prefix}/"
        if output is OutputFormat.JSON:
            typer.echo(json.dumps(_verdict_json(location, verdict), sort_keys=True))
        elif verdict.ok:
            last = verdict.last
            tail = f", last record {last.sequence} hash {last.hash}" if last else ""
            typer.echo(f"{location}: chain intact, {verdict.intact} records{tail}")
        else:
            typer.echo(f"{location}: {verdict.intact} records intact before the break")
        if verdict.broken is not None:
            _fail(f"audit chain broken: {verdict.broken.message}", EXIT_CHAIN_BROKEN)


def _verdict_json(location: str, verdict: Any) -> dict[str, Any]:
    broken = verdict.broken
    return {
        "archive": location,
        "ok": verdict.ok,
        "intact": verdict.intact,
        "last_sequence": verdict.last.sequence if verdict.last else None,
        "last_hash": verdict.last.hash if verdict.last else None,
        "broken": None
        if broken is None
        else {
            "kind": broken.kind.value,
            "sequence": broken.sequence,
            "where": broken.where,
            "message": broken.message,
        },
    }


@audit_app.command()
def append(
    bucket: Bucket,
    input_path: Annotated[
        str, typer.Option("--input", help="JSON Lines file to append, or - for stdin.")
    ],
    prefix: Prefix = DEFAULT_PREFIX,
    source: Annotated[
        InputSource,
        typer.Option(help="gateway: access-log lines; events: audit events (docs/audit.md)."),
    ] = InputSource.GATEWAY,
    retention_years: Annotated[
        int, typer.Option(min=1, max=100, help="COMPLIANCE retention of the new objects.")
    ] = DEFAULT_RETENTION_YEARS,
    batch_size: Annotated[int, typer.Option(min=1, help="Records per archived object.")] = (
        DEFAULT_BATCH_SIZE
    ),
    output: Format = OutputFormat.TEXT,
    endpoint_url: EndpointUrl = None,
    region: Region = None,
) -> None:
    """Seal every audit event of the input after the archive's last record and archive them."""
    from audit.sources import audit_events, gateway_events

    with _reported():
        lines, name = _lines(input_path)
        skipped = 0
        if source is InputSource.GATEWAY:
            events, skipped = gateway_events(lines, name)
        else:
            events = audit_events(lines, name)
        archive = _archive(bucket, prefix, endpoint_url, region)
        records = archive.write(events, retention_years, batch_size) if events else []
        first = records[0].sequence if records else None
        last = records[-1].sequence if records else None
        if output is OutputFormat.JSON:
            summary = {"appended": len(records), "first": first, "last": last, "skipped": skipped}
            typer.echo(json.dumps(summary, sort_keys=True))
        elif records:
            typer.echo(
                f"appended records {first}..{last} to s3://{archive.bucket}/{archive.prefix}/ "
                f"({skipped} lines were not audit events)"
            )
        else:
            typer.echo(f"nothing to append ({skipped} lines were not audit events)")


@audit_app.command()
def seal(
    bucket: Bucket,
    log_group: Annotated[
        str, typer.Option("--log-group", help="The audit log group Fluent Bit delivers to.")
    ],
    prefix: Prefix = DEFAULT_PREFIX,
    retention_years: Annotated[
        int, typer.Option(min=1, max=100, help="COMPLIANCE retention of the new objects.")
    ] = DEFAULT_RETENTION_YEARS,
    batch_size: Annotated[int, typer.Option(min=1, help="Records per archived object.")] = (
        DEFAULT_BATCH_SIZE
    ),
    settle_seconds: Annotated[
        int,
        typer.Option(min=0, max=3600, help="Seal only what CloudWatch ingested this long ago."),
    ] = 120,
    lookback_minutes: Annotated[
        int,
        typer.Option(
            min=1, max=1440, help="Latest a line may reach CloudWatch after it was logged."
        ),
    ] = 60,
    output: Format = OutputFormat.TEXT,
    endpoint_url: EndpointUrl = None,
    logs_endpoint_url: Annotated[
        str | None, typer.Option(help="CloudWatch Logs endpoint (moto); default: AWS.")
    ] = None,
    publish_metric: Annotated[
        bool,
        typer.Option(
            "--publish-metric", help="Publish McpFleet/Audit SealLagSeconds after the run."
        ),
    ] = False,
    cloudwatch_endpoint_url: Annotated[
        str | None, typer.Option(help="CloudWatch endpoint (moto); default: AWS.")
    ] = None,
    region: Region = None,
) -> None:
    """Seal what the audit log group received since the archive's cursor (run by the CronJob)."""
    from audit.seal import SealWindow, now_utc, sealed_through
    from audit.seal import seal as seal_log_group
    from ops.aws import cloudwatch_client, logs_client
    from ops.metrics import publish_seal_lag

    with _reported():
        if not log_group.strip():
            raise UsageError("--log-group: give the audit log group's name")
        group = log_group.strip()
        archive = _archive(bucket, prefix, endpoint_url, region)
        window = SealWindow(now_utc(), settle_seconds, lookback_minutes)
        run = seal_log_group(
            logs_client(logs_endpoint_url, region),
            archive,
            group,
            retention_years,
            window,
            batch_size,
        )
        _report_seal(run, archive, output)
        if publish_metric:
            lag = now_utc() - sealed_through(run, window)
            publish_seal_lag(cloudwatch_client(cloudwatch_endpoint_url, region), group, lag)


def _report_seal(run: Any, archive: Any, output: OutputFormat) -> None:
    first = run.records[0].sequence if run.records else None
    last = run.records[-1].sequence if run.records else None
    cursor = run.stored.ingested_ms if run.stored else None
    if output is OutputFormat.JSON:
        summary = {
            "read": run.read,
            "sealed": len(run.records),
            "objects": run.objects,
            "first": first,
            "last": last,
            "skipped": run.skipped,
            "cursor_ingested_ms": cursor,
        }
        typer.echo(json.dumps(summary, sort_keys=True))
    elif run.records:
        typer.echo(
            f"sealed records {first}..{last} ({run.objects} objects) into "
            f"s3://{archive.bucket}/{archive.prefix}/ from {run.read} lines "
            f"({run.skipped} were not audit events); cursor at ingestion {cursor}"
        )
    else:
        typer.echo(
            f"nothing new to seal ({run.read} lines read, {run.skipped} not audit events); "
            f"cursor at ingestion {cursor}"
        )


def _lines(input_path: str) -> tuple[list[str], str]:
    if input_path == "-":
        return sys.stdin.read().splitlines(), "<stdin>"
    path = Path(input_path)
    try:
        return path.read_text(encoding="utf-8").splitlines(), str(path)
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UsageError(f"--input {path}: cannot read it ({reason})") from None
