"""``python -m ops``: backup, restore, drill and backup-age for an mcp-fleet environment.

Every command ends either with its result (exit 0) or with ONE line ``error: ...`` on
stderr and a non-zero exit status; no tracebacks (``OPS_DEBUG=1`` shows them). Exit
codes: 1 failure, 2 bad input (including a refused target: a drill's scratch that is its
source, a non-empty restore target without --replace), 3 a recovery objective missed,
4 a drill found a mismatch (5, from ``ops audit verify``: the audit chain is broken).

Other command groups plug in as typer sub-apps: see "Command groups" at the end
(``catalog``: signing and the audited catalog workflow; ``audit``: the audit archive).
"""

from __future__ import annotations

import contextlib
import os
import signal
import traceback
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import botocore.exceptions
import typer

from ops import __version__
from ops.audit_cli import audit_app
from ops.catalog_signing import catalog_app
from ops.catalog_workflow import promote as _registers_the_workflow_commands  # noqa: F401
from ops.errors import (
    EXIT_DRILL_MISMATCH,
    EXIT_FAILURE,
    EXIT_OBJECTIVE_MISSED,
    NoBackupError,
    OpsError,
    UsageError,
)
from ops.objectives import DEFAULT_RPO, DEFAULT_RTO, format_duration, parse_duration
from ops.timeparse import parse_time, utcnow
from ops.urls import parse_postgres_url, parse_redis_url

# Heavy modules (boto3, pydantic, rich progress) are imported inside the commands, so bad
# input is reported at once.
if TYPE_CHECKING:
    from ops.backup_store import BackupStore
    from ops.sources import Source

app = typer.Typer(
    name="ops",
    help="Operator tools for mcp-fleet: backups, restore, disaster-recovery drills, catalog "
    "approvals and the audit trail.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@contextlib.contextmanager
def reported_errors() -> Iterator[None]:
    """One clear line and an exit status for every failure; tracebacks only with OPS_DEBUG."""
    try:
        yield
    except OpsError as exc:
        _debug()
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        from ops.aws import describe

        _debug()
        typer.echo(f"error: AWS: {describe(exc)}", err=True)
        raise typer.Exit(EXIT_FAILURE) from None
    except KeyboardInterrupt:
        typer.echo(
            "error: interrupted: an unfinished backup gets no manifest (its upload "
            "is aborted); an unfinished PostgreSQL restore is rolled back",
            err=True,
        )
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        _debug()
        typer.echo(
            f"error: unexpected {type(exc).__name__}: {exc} (set OPS_DEBUG=1 for a traceback)",
            err=True,
        )
        raise typer.Exit(EXIT_FAILURE) from None


def _debug() -> None:
    if os.environ.get("OPS_DEBUG"):
        traceback.print_exc()


# -- shared options -------------------------------------------------------------------
Bucket = Annotated[str, typer.Option(envvar="OPS_BACKUP_BUCKET", help="Backup bucket.")]
Prefix = Annotated[
    str, typer.Option(envvar="OPS_BACKUP_PREFIX", help="Key prefix of this environment's backups.")
]
EndpointUrl = Annotated[
    str | None,
    typer.Option(help="S3 endpoint (moto, MinIO); default: AWS (or AWS_ENDPOINT_URL_S3)."),
]
Region = Annotated[str | None, typer.Option(help="AWS region; default: AWS_REGION / config.")]
PostgresOpt = Annotated[
    str | None,
    typer.Option(
        "--postgres", envvar="OPS_POSTGRES_URL", help="postgresql://USER[:PW]@HOST:PORT/DB"
    ),
]
RedisOpt = Annotated[
    str | None, typer.Option("--redis", envvar="OPS_REDIS_URL", help="redis://[:PW@]HOST:PORT/DB")
]
ConfigOpt = Annotated[
    str | None, typer.Option("--config", envvar="OPS_CONFIG_DIR", help="Configuration directory.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
Rpo = Annotated[str, typer.Option(help="Recovery point objective (e.g. 1h).")]
Rto = Annotated[str, typer.Option(help="Recovery time objective (e.g. 30m).")]
PartSize = Annotated[int, typer.Option(help="Multipart part size in MiB (>= 5).")]
PublishMetric = Annotated[
    bool,
    typer.Option(
        help="Publish McpFleet/Backups BackupAgeSeconds and LastBackupTimestamp to CloudWatch."
    ),
]
Environment = Annotated[
    str | None,
    typer.Option(
        envvar="OPS_ENVIRONMENT", help="Metric dimension Environment (dev, staging, prod)."
    ),
]
Dependency = Annotated[
    str | None, typer.Option(help="Metric dimension Dependency (default: the prefix).")
]
MetricsEndpoint = Annotated[
    str | None,
    typer.Option(help="CloudWatch endpoint; default: AWS (or AWS_ENDPOINT_URL_CLOUDWATCH)."),
]


def _store(bucket: str, prefix: str, endpoint_url: str | None, region: str | None) -> BackupStore:
    from ops.aws import s3_client
    from ops.backup_store import BackupStore

    if not bucket.strip():
        raise UsageError("--bucket: empty bucket name")
    return BackupStore(s3_client(endpoint_url, region), bucket.strip(), prefix)


def _part_size(mib: int) -> int:
    from ops.s3_stream import MIN_PART_SIZE, MiB

    if mib * MiB < MIN_PART_SIZE:
        raise UsageError(f"--part-size: at least {MIN_PART_SIZE // MiB} MiB (S3's minimum part)")
    return mib * MiB


def _sources(
    postgres: str | None, redis: str | None, config: str | None, pg_compress: int | None = None
) -> list[Source]:
    from ops.sources.config_dir import ConfigDirSource, config_directory
    from ops.sources.postgres import PostgresSource
    from ops.sources.redis import RedisSource

    sources: list[Source] = []
    if postgres is not None:
        sources.append(PostgresSource(parse_postgres_url(postgres), compress=pg_compress))
    if redis is not None:
        sources.append(RedisSource(parse_redis_url(redis)))
    if config is not None:
        sources.append(ConfigDirSource(config_directory(config)))
    if not sources:
        raise UsageError("nothing to back up: give at least one of --postgres, --redis, --config")
    return sources


def _publish(
    store: BackupStore,
    environment: str | None,
    dependency: str | None,
    endpoint: str | None,
    region: str | None,
    finished_at: datetime,
) -> str:
    from ops.aws import cloudwatch_client
    from ops.metrics import NAMESPACE, check_dimensions, publish_backup_age

    env, dep = check_dimensions(environment, dependency or store.prefix or store.bucket)
    age = utcnow() - finished_at
    publish_backup_age(cloudwatch_client(endpoint, region), env, dep, age, finished_at)
    return (
        f"published {NAMESPACE} BackupAgeSeconds={age.total_seconds():.0f} "
        f"(Environment={env}, Dependency={dep})"
    )


# -- commands -------------------------------------------------------------------------
@app.command()
def backup(
    bucket: Bucket,
    prefix: Prefix,
    postgres: PostgresOpt = None,
    redis: RedisOpt = None,
    config: ConfigOpt = None,
    endpoint_url: EndpointUrl = None,
    region: Region = None,
    part_size: PartSize = 8,
    pg_compress: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=9,
            help="Let pg_dump compress with zlib at this level (0-9) instead of ops's "
            "default: an uncompressed dump streamed through zstd level 1 (faster, "
            "smaller).",
        ),
    ] = None,
    upload_concurrency: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Parts uploading at once (default: 4 per core, 4 to 16).",
        ),
    ] = None,
    publish_metric: PublishMetric = False,
    environment: Environment = None,
    dependency: Dependency = None,
    metrics_endpoint_url: MetricsEndpoint = None,
    json_output: JsonOpt = False,
) -> None:
    """Back up PostgreSQL, Redis and/or a config directory to S3; the manifest is written last."""
    from ops.backup import run_backup
    from ops.progress import TransferProgress
    from ops.report import print_json, show_backup, stdout

    with reported_errors():
        sources = _sources(postgres, redis, config, pg_compress)
        size = _part_size(part_size)
        store = _store(bucket, prefix, endpoint_url, region)
        if publish_metric:
            from ops.metrics import check_dimensions

            check_dimensions(environment, dependency or store.prefix or store.bucket)
        with TransferProgress() as progress:
            manifest = run_backup(
                store, sources, progress, part_size=size, max_in_flight=upload_concurrency
            )
            if publish_metric:
                progress.note(
                    _publish(
                        store,
                        environment,
                        dependency,
                        metrics_endpoint_url,
                        region,
                        manifest.finished_at,
                    )
                )
        if json_output:
            print_json(manifest.model_dump(mode="json"))
        else:
            show_backup(manifest, stdout())


@app.command()
def restore(
    bucket: Bucket,
    prefix: Prefix,
    at: Annotated[
        str | None,
        typer.Option(
            help="Restore the newest complete backup finished at or before this ISO 8601 time "
            "(default: now; no zone means UTC)."
        ),
    ] = None,
    backup_id: Annotated[str | None, typer.Option(help="Restore this backup instead.")] = None,
    postgres: PostgresOpt = None,
    redis: RedisOpt = None,
    config: ConfigOpt = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Empty every target first so it ends up equal to the backup: PostgreSQL "
            "drops every user object in the restore's own transaction (a failed restore "
            "rolls back), Redis FLUSHDB, the config directory's contents are removed. "
            "Without it a target that holds data is refused (exit 2).",
        ),
    ] = False,
    flush_redis: Annotated[
        bool, typer.Option(help="--replace for the Redis target only (FLUSHDB first).")
    ] = False,
    rpo: Rpo = DEFAULT_RPO,
    rto: Rto = DEFAULT_RTO,
    work_dir: Annotated[
        Path | None,
        typer.Option(help="Where downloads are verified (default: the temp directory)."),
    ] = None,
    endpoint_url: EndpointUrl = None,
    region: Region = None,
    json_output: JsonOpt = False,
) -> None:
    """Verify every object of a backup, then restore it and report RPO/RTO."""
    from ops.progress import TransferProgress
    from ops.report import print_json, show_restore, stdout
    from ops.restore import RestoreTargets, check_at, run_restore

    with reported_errors():
        moment = parse_time(at)
        check_at(moment, utcnow())
        rpo_objective, rto_objective = parse_duration(rpo, "--rpo"), parse_duration(rto, "--rto")
        targets = RestoreTargets(
            postgres=parse_postgres_url(postgres) if postgres is not None else None,
            redis=parse_redis_url(redis) if redis is not None else None,
            config=Path(config).expanduser() if config is not None else None,
            replace=replace,
            flush_redis=flush_redis,
        )
        if not targets.names():
            raise UsageError(
                "nothing to restore: give at least one of --postgres, --redis, --config"
            )
        store = _store(bucket, prefix, endpoint_url, region)
        with TransferProgress() as progress:
            report = run_restore(
                store,
                targets,
                progress,
                at=moment,
                rpo=rpo_objective,
                rto=rto_objective,
                backup_id=backup_id,
                work_dir=work_dir,
            )
        if json_output:
            print_json(report.as_dict())
        else:
            show_restore(report, stdout())
        if not report.objectives_met:
            missed = ", ".join(r.describe() for r in report.objectives if not r.met)
            typer.echo(f"error: restored, but a recovery objective was missed: {missed}", err=True)
            raise typer.Exit(EXIT_OBJECTIVE_MISSED)


@app.command()
def drill(
    bucket: Bucket,
    prefix: Prefix,
    postgres: PostgresOpt = None,
    redis: RedisOpt = None,
    config: ConfigOpt = None,
    scratch_postgres: Annotated[
        str | None,
        typer.Option(help="Scratch database the backup is restored into (must not be the source)."),
    ] = None,
    scratch_redis: Annotated[
        str | None, typer.Option(help="Scratch Redis database (flushed, must not be the source).")
    ] = None,
    scratch_config: Annotated[
        Path | None, typer.Option(help="Empty scratch directory (default: a temporary one).")
    ] = None,
    rpo: Rpo = DEFAULT_RPO,
    rto: Rto = DEFAULT_RTO,
    part_size: PartSize = 8,
    endpoint_url: EndpointUrl = None,
    region: Region = None,
    json_output: JsonOpt = False,
) -> None:
    """Back up, restore into scratch targets, and compare content with the sources."""
    from ops.drill import DrillPlan, run_drill
    from ops.progress import TransferProgress
    from ops.report import print_json, show_drill, stdout
    from ops.sources.config_dir import config_directory

    with reported_errors():
        plan = DrillPlan(
            postgres=parse_postgres_url(postgres) if postgres is not None else None,
            redis=parse_redis_url(redis) if redis is not None else None,
            config=config_directory(config) if config is not None else None,
            scratch_postgres=parse_postgres_url(scratch_postgres, "--scratch-postgres")
            if scratch_postgres is not None
            else None,
            scratch_redis=parse_redis_url(scratch_redis, "--scratch-redis")
            if scratch_redis is not None
            else None,
            scratch_config=scratch_config.expanduser() if scratch_config is not None else None,
        )
        plan.validate()
        rpo_objective, rto_objective = parse_duration(rpo, "--rpo"), parse_duration(rto, "--rto")
        size = _part_size(part_size)
        store = _store(bucket, prefix, endpoint_url, region)
        with TransferProgress() as progress:
            report = run_drill(
                store, plan, progress, rpo=rpo_objective, rto=rto_objective, part_size=size
            )
        if json_output:
            print_json(report.as_dict())
        else:
            show_drill(report, stdout())
        if not report.matched:
            bad = [f"{c.area} {c.item}" for c in report.checks if not c.ok]
            typer.echo(
                f"error: drill found {len(bad)} mismatch(es): {', '.join(bad[:5])}", err=True
            )
            raise typer.Exit(EXIT_DRILL_MISMATCH)
        if not report.objectives_met:
            typer.echo(
                "error: drill restored everything, but a recovery objective was missed", err=True
            )
            raise typer.Exit(EXIT_OBJECTIVE_MISSED)


@app.command("backup-age")
def backup_age(
    bucket: Bucket,
    prefix: Prefix,
    publish_metric: PublishMetric = False,
    environment: Environment = None,
    dependency: Dependency = None,
    max_age: Annotated[
        str | None,
        typer.Option(help="Exit 3 when the newest complete backup is older than this (e.g. 1h)."),
    ] = None,
    endpoint_url: EndpointUrl = None,
    metrics_endpoint_url: MetricsEndpoint = None,
    region: Region = None,
    json_output: JsonOpt = False,
) -> None:
    """Age of the newest COMPLETE backup; run periodically with --publish-metric."""
    from ops.report import print_json

    with reported_errors():
        limit = parse_duration(max_age, "--max-age") if max_age is not None else None
        store = _store(bucket, prefix, endpoint_url, region)
        if publish_metric:
            from ops.metrics import check_dimensions

            check_dimensions(environment, dependency or store.prefix or store.bucket)
        now = utcnow()
        try:
            selection = store.newest(now)
        except NoBackupError as exc:
            raise NoBackupError(
                f"{exc}; nothing published (the alarm should treat missing data as breaching)"
            ) from None
        manifest = selection.manifest
        age = now - manifest.finished_at
        published = None
        if publish_metric:
            published = _publish(
                store, environment, dependency, metrics_endpoint_url, region, manifest.finished_at
            )
        if json_output:
            print_json(
                {
                    "backup_id": manifest.backup_id,
                    "finished_at": manifest.finished_at.isoformat(),
                    "age_seconds": round(age.total_seconds(), 3),
                    "published": published is not None,
                }
            )
        else:
            typer.echo(
                f"newest complete backup {manifest.backup_id} finished "
                f"{manifest.finished_at.isoformat()}, age {format_duration(age)}"
            )
            if published:
                typer.echo(published)
        if limit is not None and age > limit:
            typer.echo(
                f"error: newest complete backup is {format_duration(age)} old "
                f"(limit {format_duration(limit)})",
                err=True,
            )
            raise typer.Exit(EXIT_OBJECTIVE_MISSED)


@app.command()
def version() -> None:
    """Print the ops version."""
    typer.echo(f"ops {__version__}")


# -- Command groups -------------------------------------------------------------------
# Sub-apps from other modules register here, one line each (plus its import), e.g.:
#     from ops.catalog_signing import catalog_app

#     app.add_typer(catalog_app, name="catalog")
app.add_typer(catalog_app, name="catalog")
app.add_typer(audit_app, name="audit")


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a Job's deadline, a pod eviction) unwinds like Ctrl-C: the in-flight
    multipart upload is aborted and no manifest is written."""
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _terminated)
    app()
