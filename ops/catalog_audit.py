"""Where ``ops catalog`` writes its audit events, and the rule that a change and its event
go together.

Every workflow command (register, sign, promote, transfer-ownership, slo-exception) writes
one event per entry either straight to the archive (``--audit-bucket``: sealed after the
archive's last record, Object Lock checked first) or as a JSON line to ``--audit-log FILE``
for ``python -m ops audit append --source events`` later. The command changes the entry
file first and writes the event last; when the event cannot be written the file is put back
as it was, so the catalog never holds a change the audit trail does not.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import botocore.exceptions
import typer

from audit.defaults import DEFAULT_PREFIX, DEFAULT_RETENTION_YEARS
from ops.errors import EXIT_FAILURE, EXIT_USAGE, OpsError, UsageError

if TYPE_CHECKING:
    from audit.schema import AuditEvent

AuditBucket = Annotated[
    str | None,
    typer.Option(
        "--audit-bucket",
        envvar="OPS_AUDIT_BUCKET",
        help="Archive the event in this audit bucket (S3, Object Lock) at once.",
    ),
]
AuditPrefix = Annotated[
    str, typer.Option("--audit-prefix", envvar="OPS_AUDIT_PREFIX", help="The archive's prefix.")
]
AuditLog = Annotated[
    Path | None,
    typer.Option(
        "--audit-log",
        envvar="OPS_AUDIT_LOG",
        help="Or append the event as a JSON line to this file (for `ops audit append "
        "--source events`).",
    ),
]
RetentionYears = Annotated[
    int,
    typer.Option(
        "--retention-years", min=1, max=100, help="COMPLIANCE retention of archived events."
    ),
]
Reason = Annotated[
    str, typer.Option("--reason", help="Why (required: the audit trail records it).")
]
User = Annotated[str | None, typer.Option("--user", help="Who, as recorded; default: USER@HOST.")]
EndpointUrl = Annotated[
    str | None,
    typer.Option(help="S3 endpoint of the audit bucket (moto, MinIO); default: AWS."),
]
Region = Annotated[str | None, typer.Option(help="AWS region; default: boto3's chain.")]


@dataclass(frozen=True)
class AuditDestination:
    """Exactly one of an archive bucket or a JSON Lines file."""

    bucket: str | None
    log: Path | None
    prefix: str = DEFAULT_PREFIX
    retention_years: int = DEFAULT_RETENTION_YEARS
    endpoint_url: str | None = None
    region: str | None = None

    def check(self) -> None:
        """Refuse before anything changes: no destination, two, or one that cannot take it."""
        bucket = (self.bucket or "").strip()
        if bool(bucket) == (self.log is not None):
            raise UsageError(
                "give exactly one of --audit-bucket BUCKET (archive the event now) or "
                "--audit-log FILE (append it for `ops audit append` later): every catalog "
                "change is recorded"
            )
        if self.log is not None and not self.log.parent.is_dir():
            raise UsageError(f"--audit-log {self.log}: directory {self.log.parent} does not exist")
        if bucket:
            self._archive().require_lock()

    def write(self, events: list[AuditEvent]) -> str:
        """Write the events; returns where they went, for the operator."""
        if self.log is not None:
            lines = "".join(event.model_dump_json() + "\n" for event in events)
            try:
                with self.log.open("a", encoding="utf-8") as handle:
                    handle.write(lines)
            except OSError as error:
                raise UsageError(
                    f"--audit-log {self.log}: cannot append ({error.strerror})"
                ) from None
            return f"audit event(s) appended to {self.log}"
        archive = self._archive()
        records = archive.write(events, self.retention_years)
        numbers = ", ".join(str(record.sequence) for record in records)
        return f"audit record {numbers} archived in s3://{archive.bucket}/{archive.prefix}/"

    def _archive(self) -> Any:
        from audit.archive import AuditArchive
        from ops.aws import s3_client

        return AuditArchive(
            s3_client(self.endpoint_url, self.region), (self.bucket or "").strip(), self.prefix
        )


@dataclass(frozen=True)
class AuditOptions:
    """Who records a catalog change and where: the options every audited command shares.

    A command decorated with :func:`audited` takes one ``audit: AuditOptions`` parameter;
    its command line gets ``--user``, ``--audit-bucket``, ``--audit-log``, ``--audit-prefix``,
    ``--retention-years``, ``--endpoint-url`` and ``--region`` after its own options.
    """

    user: User = None
    audit_bucket: AuditBucket = None
    audit_log: AuditLog = None
    audit_prefix: AuditPrefix = DEFAULT_PREFIX
    retention_years: RetentionYears = DEFAULT_RETENTION_YEARS
    endpoint_url: EndpointUrl = None
    region: Region = None

    @property
    def operator(self) -> str:
        return operator(self.user)

    def destination(self) -> AuditDestination:
        """The one destination given, checked before anything changes."""
        return destination(
            self.audit_bucket,
            self.audit_log,
            self.audit_prefix,
            self.retention_years,
            self.endpoint_url,
            self.region,
        )


def audited(command: Callable[..., None]) -> Callable[..., None]:
    """The typer command with ``audit: AuditOptions`` spread into the shared options.

    Typer reads a command's parameters from its signature, so the wrapper shows the
    command's own parameters followed by :class:`AuditOptions`' fields, and hands the
    command those fields as one value.
    """
    signature = inspect.signature(command, eval_str=True)
    own = [parameter for parameter in signature.parameters.values() if parameter.name != "audit"]
    hints = inspect.get_annotations(AuditOptions, eval_str=True)
    shared = [
        inspect.Parameter(
            field.name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=field.default,
            annotation=hints[field.name],
        )
        for field in fields(AuditOptions)
    ]

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        options = AuditOptions(**{p.name: kwargs.pop(p.name, p.default) for p in shared})
        command(*args, audit=options, **kwargs)

    parameters = own + shared
    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    return run


def operator(user: str | None) -> str:
    """The recorded user: as given, else ``user@host``."""
    from audit.catalog_events import current_operator

    return user.strip() if user and user.strip() else current_operator()


@contextlib.contextmanager
def restored_on_failure(paths: list[Path]) -> Iterator[None]:
    """Put the files back as they were (or remove the new ones) if the block fails."""
    before = {path: path.read_bytes() if path.exists() else None for path in paths}
    try:
        yield
    except BaseException:
        for path, text in before.items():
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(text)
        raise


@contextlib.contextmanager
def reported() -> Iterator[None]:
    """One ``error:`` line and the exit status; tracebacks only with OPS_DEBUG."""
    from stacks.errors import SettingsError

    try:
        yield
    except OpsError as error:
        _fail(str(error), error.exit_code)
    except SettingsError as error:
        _fail(str(error), EXIT_USAGE)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        from ops.aws import describe

        _fail(f"AWS: {describe(error)}", EXIT_FAILURE)


def _fail(message: str, code: int) -> None:
    if os.environ.get("OPS_DEBUG"):
        traceback.print_exc()
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def destination(
    bucket: str | None,
    log: Path | None,
    prefix: str,
    retention_years: int,
    endpoint_url: str | None,
    region: str | None,
) -> AuditDestination:
    chosen = AuditDestination(bucket, log, prefix, retention_years, endpoint_url, region)
    chosen.check()
    return chosen
