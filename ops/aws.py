"""boto3 clients and the translation of AWS failures into one clear message.

Credentials and region come from boto3's usual chain (``AWS_*`` environment variables,
shared config, instance or pod identity). ``--endpoint-url`` points S3 at a compatible
store (moto, MinIO); boto3 also honours ``AWS_ENDPOINT_URL_S3`` and
``AWS_ENDPOINT_URL_CLOUDWATCH``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import boto3
import botocore.exceptions
from botocore.config import Config

from ops.errors import StorageError

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client


def _config() -> Config:
    """Standard retries (4 attempts) unless AWS_MAX_ATTEMPTS / AWS_RETRY_MODE say otherwise."""
    retries = None
    if not (os.environ.get("AWS_MAX_ATTEMPTS") or os.environ.get("AWS_RETRY_MODE")):
        retries = {"mode": "standard", "max_attempts": 4}
    return Config(
        retries=retries,  # type: ignore[arg-type]
        connect_timeout=10,
        read_timeout=120,
        max_pool_connections=16,
    )


def _session(region: str | None) -> boto3.session.Session:
    session = boto3.session.Session(region_name=region)
    if session.region_name is None:
        session = boto3.session.Session(region_name="us-east-1")
    return session


def s3_client(endpoint_url: str | None = None, region: str | None = None) -> S3Client:
    return _session(region).client("s3", endpoint_url=endpoint_url, config=_config())


def cloudwatch_client(
    endpoint_url: str | None = None, region: str | None = None
) -> CloudWatchClient:
    return _session(region).client("cloudwatch", endpoint_url=endpoint_url, config=_config())


def logs_client(endpoint_url: str | None = None, region: str | None = None) -> CloudWatchLogsClient:
    return _session(region).client("logs", endpoint_url=endpoint_url, config=_config())


def describe(exc: BaseException) -> str:
    """A one-line reason for a botocore failure."""
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "Unknown")
        message = error.get("Message") or ""
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in {"404", "NoSuchBucket"}:
            return "bucket does not exist" if code == "NoSuchBucket" else "not found (404)"
        if code in {"403", "AccessDenied"}:
            return "access denied (check credentials and the bucket policy)"
        detail = f": {message}" if message else ""
        return f"{code}{detail}" + (f" (HTTP {status})" if status else "")
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return "no AWS credentials (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile)"
    if isinstance(exc, botocore.exceptions.EndpointConnectionError):
        return f"cannot reach {_endpoint(exc)}"
    if isinstance(exc, botocore.exceptions.ConnectionClosedError):
        return f"connection to {_endpoint(exc)} closed before a response (endpoint down?)"
    if isinstance(
        exc, botocore.exceptions.ConnectTimeoutError | botocore.exceptions.ReadTimeoutError
    ):
        return f"timed out talking to {_endpoint(exc)}"
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _endpoint(exc: botocore.exceptions.BotoCoreError) -> str:
    url = str(getattr(exc, "kwargs", {}).get("endpoint_url", "")) or "the endpoint"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


AWS_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)


@contextlib.contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Turn any botocore failure inside the block into ``StorageError("<action>: <reason>")``."""
    try:
        yield
    except AWS_ERRORS as exc:
        raise StorageError(f"{action}: {describe(exc)}") from exc


def is_not_found(exc: BaseException) -> bool:
    if isinstance(exc, botocore.exceptions.ClientError):
        return exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}
    return False
