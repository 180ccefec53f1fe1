"""What S3 (as moto models it) does to someone who tries to erase the archive.

moto 5.2 enforces COMPLIANCE retention on deletes: a locked version cannot be deleted, with
or without the governance bypass, alone or in a batch. An overwrite only adds a version; the
locked original stays. moto does NOT refuse shortening a COMPLIANCE retention (or switching it
to GOVERNANCE), which real S3 refuses with AccessDenied: the last test pins that gap, so the
day moto closes it this test fails and should become a refusal test.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import botocore.exceptions
import pytest

from audit.archive import AuditArchive
from audit.archive_check import check
from tests.audit.lab_day import catalog_day

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def archived(s3: S3Client, bucket: str) -> tuple[str, str]:
    """One locked batch in the archive: its key and version id."""
    archive = AuditArchive(s3, bucket)
    archive.write(catalog_day(), retention_years=1)
    key = archive.batches()[0].key
    return key, s3.head_object(Bucket=bucket, Key=key)["VersionId"]


def test_deleting_a_locked_version_is_refused(s3: S3Client, locked_bucket: str) -> None:
    key, version = archived(s3, locked_bucket)
    for bypass in (False, True):
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            s3.delete_object(
                Bucket=locked_bucket, Key=key, VersionId=version, BypassGovernanceRetention=bypass
            )
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
    batch = s3.delete_objects(
        Bucket=locked_bucket, Delete={"Objects": [{"Key": key, "VersionId": version}]}
    )
    assert [e["Code"] for e in batch.get("Errors", [])] == ["AccessDenied"]
    assert s3.head_object(Bucket=locked_bucket, Key=key, VersionId=version)["ContentLength"] > 0


def test_overwriting_adds_a_version_and_the_locked_original_survives(
    s3: S3Client, locked_bucket: str
) -> None:
    key, version = archived(s3, locked_bucket)
    original = s3.get_object(Bucket=locked_bucket, Key=key, VersionId=version)["Body"].read()
    s3.put_object(Bucket=locked_bucket, Key=key, Body=gzip.compress(b"{}\n"))
    kept = s3.get_object(Bucket=locked_bucket, Key=key, VersionId=version)
    assert kept["Body"].read() == original and kept["ObjectLockMode"] == "COMPLIANCE"
    assert check(AuditArchive(s3, locked_bucket)).broken is not None


def test_the_writer_never_overwrites_an_archived_key(s3: S3Client, locked_bucket: str) -> None:
    key, _ = archived(s3, locked_bucket)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        s3.put_object(Bucket=locked_bucket, Key=key, Body=b"x", IfNoneMatch="*")
    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"


def test_moto_gap_shortening_a_compliance_retention_is_accepted(
    s3: S3Client, locked_bucket: str
) -> None:
    """Real S3 refuses this (AccessDenied); moto 5.2 accepts it. Pinned, not relied on."""
    key, version = archived(s3, locked_bucket)
    shorter = datetime.now(UTC) + timedelta(days=1)
    s3.put_object_retention(
        Bucket=locked_bucket,
        Key=key,
        VersionId=version,
        Retention={"Mode": "COMPLIANCE", "RetainUntilDate": shorter},
    )
    head = s3.head_object(Bucket=locked_bucket, Key=key, VersionId=version)
    assert head["ObjectLockRetainUntilDate"].date() == shorter.date()
