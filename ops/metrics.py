"""CloudWatch metrics about backups, for the backup-age alarm.

Namespace ``McpFleet/Backups``, dimensions ``Environment`` and ``Dependency``:

- ``BackupAgeSeconds`` (Seconds): now minus the end of the newest COMPLETE backup. The
  alarm watches this; it is published by ``ops backup --publish-metric`` (age 0 right
  after a backup) and periodically by ``ops backup-age --publish-metric``, so the value
  keeps growing when backups stop. Alarm with "missing data = breaching" as well.
- ``LastBackupTimestamp`` (Seconds): Unix time when that backup finished.
"""

from __future__ import annotations

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
    dimensions: list[DimensionTypeDef] = [
        {"Name": "Environment", "Value": environment},
        {"Name": "Dependency", "Value": dependency},
    ]
    now = utcnow()
    with aws_errors(f"publishing {NAMESPACE}/{AGE_METRIC}"):
        client.put_metric_data(
            Namespace=NAMESPACE,
            MetricData=[
                {
                    "MetricName": AGE_METRIC,
                    "Dimensions": dimensions,
                    "Timestamp": now,
                    "Value": max(age.total_seconds(), 0.0),
                    "Unit": "Seconds",
                },
                {
                    "MetricName": TIMESTAMP_METRIC,
                    "Dimensions": dimensions,
                    "Timestamp": now,
                    "Value": finished_at.timestamp(),
                    "Unit": "Seconds",
                },
            ],
        )
