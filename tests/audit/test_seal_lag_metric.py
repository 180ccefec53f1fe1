"""``ops audit seal --publish-metric`` against moto: every run that returns publishes
``McpFleet/Audit SealLagSeconds`` for its log group, read back with ListMetrics and
GetMetricData; a failed run publishes nothing, which the alarm counts as breaching.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import boto3
import pytest
import typer
from typer.testing import CliRunner, Result

from ops.audit_cli import audit_app
from ops.metrics import AUDIT_NAMESPACE, SEAL_LAG_METRIC
from tests.audit.audit_log_group import AUDIT_GROUP, GATEWAY_STREAM, create_group, deliver
from tests.audit.lab_day import GATEWAY_LINES

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client

SETTLE_SECONDS = 90

root = typer.Typer()
root.add_typer(audit_app, name="audit")


@root.callback()
def _root() -> None:
    """Stands in for ``python -m ops``."""


def run_seal(bucket: str, *extra: str) -> Result:
    args = ["audit", "seal", "--bucket", bucket, "--log-group", AUDIT_GROUP,
            "--settle-seconds", str(SETTLE_SECONDS), "--format", "json", *extra]  # fmt: skip
    return CliRunner().invoke(root, args, catch_exceptions=False)


@pytest.fixture
def logs(s3: S3Client) -> CloudWatchLogsClient:
    client = boto3.client("logs", region_name="us-east-1")
    create_group(client)
    return client


@pytest.fixture
def cloudwatch(s3: S3Client) -> CloudWatchClient:
    return boto3.client("cloudwatch", region_name="us-east-1")


def lag_datapoints(cloudwatch: CloudWatchClient, stat: str) -> list[float]:
    now = datetime.now(UTC)
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "lag",
                "MetricStat": {
                    "Metric": {
                        "Namespace": AUDIT_NAMESPACE,
                        "MetricName": SEAL_LAG_METRIC,
                        "Dimensions": [{"Name": "LogGroup", "Value": AUDIT_GROUP}],
                    },
                    "Period": 3600,
                    "Stat": stat,
                },
            }
        ],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=5),
    )
    return list(answer["MetricDataResults"][0]["Values"])


def test_a_run_publishes_the_lag_of_its_log_group_in_seconds(
    logs: CloudWatchLogsClient, cloudwatch: CloudWatchClient, locked_bucket: str
) -> None:
    deliver(logs, GATEWAY_STREAM, GATEWAY_LINES[:4])
    result = run_seal(locked_bucket, "--publish-metric")
    assert result.exit_code == 0, result.stderr
    listed = cloudwatch.list_metrics(Namespace=AUDIT_NAMESPACE)["Metrics"]
    assert [(m["MetricName"], m["Dimensions"]) for m in listed] == [
        (SEAL_LAG_METRIC, [{"Name": "LogGroup", "Value": AUDIT_GROUP}])
    ]
    # Sealed through now - settle: the lag is the settle time plus the run's own seconds.
    (lag,) = lag_datapoints(cloudwatch, "Maximum")
    assert SETTLE_SECONDS <= lag < SETTLE_SECONDS + 60


def test_a_run_that_sealed_nothing_still_publishes(
    logs: CloudWatchLogsClient, cloudwatch: CloudWatchClient, locked_bucket: str
) -> None:
    """A quiet log group is not a stalled sealer: the lag stays at the settle time."""
    first = run_seal(locked_bucket, "--publish-metric")
    second = run_seal(locked_bucket, "--publish-metric")
    sealed = [json.loads(r.stdout)["sealed"] for r in (first, second)]
    assert sealed == [0, 0], (first.stderr, second.stderr)
    assert sum(lag_datapoints(cloudwatch, "SampleCount")) == 2.0
    assert max(lag_datapoints(cloudwatch, "Maximum")) < SETTLE_SECONDS + 60


def test_without_the_flag_nothing_is_published(
    logs: CloudWatchLogsClient, cloudwatch: CloudWatchClient, locked_bucket: str
) -> None:
    assert run_seal(locked_bucket).exit_code == 0
    assert cloudwatch.list_metrics(Namespace=AUDIT_NAMESPACE)["Metrics"] == []


def test_a_failed_run_publishes_nothing(
    logs: CloudWatchLogsClient, cloudwatch: CloudWatchClient, locked_bucket: str
) -> None:
    """No datapoint, so the alarm's missing-data-breaching counts the failure."""
    deliver(logs, GATEWAY_STREAM, ['{"server": "github"}'])
    result = run_seal(locked_bucket, "--publish-metric", "--settle-seconds", "0")
    assert result.exit_code == 2
    assert cloudwatch.list_metrics(Namespace=AUDIT_NAMESPACE)["Metrics"] == []
