"""Fixtures for the audit tests: in-process moto (``mock_aws``) and a made-up lab day.

The lab day is what a lab run leaves behind: gateway access-log lines for two tenants
(tool calls, each denial reason, and requests that are not audit events) and the
``ops catalog`` events of one server's approval workflow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from moto import mock_aws

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
LOCKED_BUCKET = "mcp-fleet-audit"


@pytest.fixture(autouse=True)
def _aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and no endpoint overrides: boto3 talks to moto only."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def s3() -> Iterator[S3Client]:
    """A fresh in-process moto S3 per test."""
    with mock_aws():
        yield boto3.client("s3", region_name="us-east-1")


@pytest.fixture
def locked_bucket(s3: S3Client) -> str:
    """A bucket created with Object Lock (which also turns versioning on), as in prod."""
    s3.create_bucket(Bucket=LOCKED_BUCKET, ObjectLockEnabledForBucket=True)
    return LOCKED_BUCKET
