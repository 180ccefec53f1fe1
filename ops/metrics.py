"""CloudWatch metrics about backups, for the backup-age alarm.

Namespace ``McpFleet/Backups``, dimensions ``Environment`` and ``Dependency``:

- ``BackupAgeSeconds`` (Seconds): now minus the end of the newest COMPLETE backup. The
  alarm watches this; it is published by ``ops backup --publish-metric`` (age 0 right
  after a backup) and periodically by ``ops backup-age --publish-metric``, so the value
  keeps growing when backups stop. Alarm with "missing data = breaching" as well.
- ``LastBackupTimestamp`` (Seconds): Unix time when that backup finished.

Namespace ``McpFleet/Audit``, dimension ``LogGroup``:

- ``SealLagSeconds`` (Seconds): now minus the newest CloudWatch ingestion time up to which
  the audit log group is sealed into the archive, published by every successful
  ``ops audit seal --publish-metric`` run (also one that sealed nothing). The audit
  seal-lag alarm (``components/audit_seal_alarm.py``) watches it, missing data breaching.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ops.aws import aws_errors
from ops.errors import UsageError
from ops.timeparse import utcnow

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_cloudwatch.type_defs import DimensionTypeDef

NAMESPACE = "McpFleet/Backups"
AGE_METRIC = "BackupAgeSeconds"
TIMESTAMP_METRIC = "LastBackupTimestamp"
AUDIT_NAMESPACE = "McpFleet/Audit"
SEAL_LAG_METRIC = "SealLagSeconds"


def check_dimensions(environment: str | None, dependency: str | None) -> tuple[str, str]:
    if not environment:
        raise UsageError("--publish-metric needs --environment (e.g. prod)")
    if not dependency:
        raise UsageError("--publish-metric needs --dependency (e.g. the server's name)")
    return environment, dependency


def publish_backup_age(
    client: CloudWatchClient,
    environment: str,
    dependency: str,
    age: timedelta,
    finished_at: datetime,
) -> None:
    publish_seconds(
        client,
        NAMESPACE,
        {"Environment": environment, "Dependency": dependency},
        {AGE_METRIC: max(age.total_seconds(), 0.0), TIMESTAMP_METRIC: finished_at.timestamp()},
    )


def publish_seal_lag(client: CloudWatchClient, log_group: str, lag: timedelta) -> None:
    """How far the audit archive trails its log group, for the audit seal-lag alarm."""
    publish_seconds(
        client, AUDIT_NAMESPACE, {"LogGroup": log_group}, {SEAL_LAG_METRIC: lag.total_seconds()}
    )


def publish_seconds(
    client: CloudWatchClient,
    namespace: str,
    dimensions: Mapping[str, str],
    values: Mapping[str, float],
) -> None:
    """One PutMetricData of ``values`` (metric name to seconds, stamped now, never negative)."""
    dimension_list: list[DimensionTypeDef] = [
        {"Name": name, "Value": value} for name, value in dimensions.items()
    ]
    now = utcnow()
    with aws_errors(f"publishing {namespace}/{', '.join(values)}"):
        client.put_metric_data(
            Namespace=namespace,
            MetricData=[
                {
                    "MetricName": metric,
                    "Dimensions": dimension_list,
                    "Timestamp": now,
                    "Value": max(value, 0.0),
                    "Unit": "Seconds",
                }
                for metric, value in values.items()
            ],
        )
