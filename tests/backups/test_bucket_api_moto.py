"""The rendered bucket configuration replayed into moto through boto3: it is valid API input.

botocore checks every request against the S3 and IAM API models before sending it, and moto
parses and applies it, so a misspelt field, a wrong shape or a malformed policy fails here
instead of in the first ``pulumi up``. The locked prod bucket then shows the behaviour the
settings promise: a new backup is locked in governance mode for the retention, and cannot
be deleted without bypassing governance.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from review.render import RenderedStack
from tests.backups.rendered_backups import (
    ENCRYPTION,
    LIFECYCLE,
    OBJECT_LOCK,
    OWNERSHIP,
    POLICY,
    PRIMARY,
    PUBLIC_ACCESS,
    REPLICA,
    REPLICATION,
    ROLE,
    ROLE_POLICY,
    STACKS,
    VERSIONING,
    bucket_name,
    built,
    of_bucket,
    owned,
    the_bucket,
)

API_NAMES = {
    "id": "ID",
    "kmsMasterKeyId": "KMSMasterKeyID",
    "sseAlgorithm": "SSEAlgorithm",
    "replicaKmsKeyId": "ReplicaKmsKeyID",
}
"""Where the S3 API's member names are not simply the capitalised Pulumi input names."""


def api(value: Any) -> Any:
    """Pulumi wire inputs (camelCase) as S3 API parameters (PascalCase)."""
    if isinstance(value, dict):
        return {API_NAMES.get(k, k[:1].upper() + k[1:]): api(v) for k, v in value.items()}
    if isinstance(value, list):
        return [api(v) for v in value]
    return value


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def region_of(result: RenderedStack, bucket: str) -> str:
    return str(the_bucket(result, bucket)["inputs"].get("region", "eu-west-1"))


def replay_bucket(result: RenderedStack, bucket: str, *, with_policy: bool = True) -> Any:
    """Create ``bucket`` in moto and apply every rendered configuration to it."""
    region = region_of(result, bucket)
    s3 = boto3.client("s3", region_name=region)
    name = bucket_name(result, bucket)
    inputs = the_bucket(result, bucket)["inputs"]
    s3.create_bucket(
        Bucket=name,
        CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
        ObjectLockEnabledForBucket=bool(inputs.get("objectLockEnabled")),
    )
    s3.put_bucket_versioning(
        Bucket=name,
        VersioningConfiguration=api(
            of_bucket(result, VERSIONING, bucket)["inputs"]["versioningConfiguration"]
        ),
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": api(of_bucket(result, ENCRYPTION, bucket)["inputs"]["rules"])
        },
    )
    block = {
        k: v
        for k, v in of_bucket(result, PUBLIC_ACCESS, bucket)["inputs"].items()
        if k not in ("bucket", "region")
    }
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=api(block))
    s3.put_bucket_ownership_controls(
        Bucket=name,
        OwnershipControls={"Rules": [api(of_bucket(result, OWNERSHIP, bucket)["inputs"]["rule"])]},
    )
    locks = [r for r in owned(result, OBJECT_LOCK) if r["name"].startswith(f"{bucket}-")]
    for lock in locks:
        s3.put_object_lock_configuration(
            Bucket=name,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": api(lock["inputs"]["rule"]),
            },
        )
    s3.put_bucket_lifecycle_configuration(
        Bucket=name,
        LifecycleConfiguration={
            "Rules": api(of_bucket(result, LIFECYCLE, bucket)["inputs"]["rules"])
        },
    )
    if with_policy:
        s3.put_bucket_policy(
            Bucket=name, Policy=of_bucket(result, POLICY, bucket)["inputs"]["policy"]
        )
    return s3


@pytest.mark.parametrize("stack", STACKS)
def test_rendered_bucket_configuration_is_accepted_and_read_back(stack: str, aws: None) -> None:
    result = built(stack)
    s3 = replay_bucket(result, PRIMARY)
    name = bucket_name(result, PRIMARY)
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
    assert {rule["ID"] for rule in lifecycle} == {
        "expire-backups",
        "abort-incomplete-uploads",
        "remove-expired-delete-markers",
    }
    policy = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])
    assert len(policy["Statement"]) == 5
    (rule,) = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert rule["BucketKeyEnabled"] is True


def test_a_prod_backup_is_locked_for_the_retention_and_its_version_cannot_be_deleted(
    aws: None,
) -> None:
    result = built("prod")
    # Without the policy: moto evaluates bucket-policy conditions without a request context
    # (no aws:SecureTransport, no TLS version), so every conditional Deny matches there.
    s3 = replay_bucket(result, PRIMARY, with_policy=False)
    name = bucket_name(result, PRIMARY)
    lock = s3.get_object_lock_configuration(Bucket=name)["ObjectLockConfiguration"]
    retention = lock["Rule"]["DefaultRetention"]
    assert (retention["Mode"], retention["Days"]) == ("GOVERNANCE", 30)

    key = "prod/audit-db/20250101T000000Z/manifest.json"
    version = s3.put_object(Bucket=name, Key=key, Body=b"{}")["VersionId"]
    head = s3.head_object(Bucket=name, Key=key)
    assert head["ObjectLockMode"] == "GOVERNANCE"
    retained = head["ObjectLockRetainUntilDate"] - datetime.now(UTC)
    assert timedelta(days=29) < retained <= timedelta(days=30, minutes=1)
    with pytest.raises(ClientError) as refused:
        s3.delete_object(Bucket=name, Key=key, VersionId=version)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert s3.head_object(Bucket=name, Key=key, VersionId=version)["VersionId"] == version


def test_prod_replication_and_every_iam_document_are_valid(aws: None) -> None:
    result = built("prod")
    replay_bucket(result, PRIMARY)
    replay_bucket(result, REPLICA)
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_open_id_connect_provider(
        Url="https://oidc.eks.eu-west-1.amazonaws.com/id/5C7A1E0D9B3F4A2C8E6D1B0A9F8E7D6C",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
    )
    role_arns: dict[str, str] = {}
    for role in owned(result, ROLE):
        created = iam.create_role(
            RoleName=role["outputs"]["name"],
            AssumeRolePolicyDocument=role["inputs"]["assumeRolePolicy"],
        )
        role_arns[role["outputs"]["name"]] = created["Role"]["Arn"]
    policies = owned(result, ROLE_POLICY)
    assert len(policies) == 4, "three writers and the replication role"
    for policy in policies:
        iam.put_role_policy(
            RoleName=policy["inputs"]["role"],
            PolicyName=policy["name"],
            PolicyDocument=policy["inputs"]["policy"],
        )

    (replication,) = owned(result, REPLICATION)
    configuration = {
        "Role": replication["inputs"]["role"],
        "Rules": api(replication["inputs"]["rules"]),
    }
    s3 = boto3.client("s3", region_name="eu-west-1")
    name = bucket_name(result, PRIMARY)
    s3.put_bucket_replication(Bucket=name, ReplicationConfiguration=configuration)  # type: ignore[arg-type]
    (rule,) = s3.get_bucket_replication(Bucket=name)["ReplicationConfiguration"]["Rules"]
    assert rule["DeleteMarkerReplication"] == {"Status": "Disabled"}
    assert rule["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"].startswith(
        "arn:aws:kms:eu-central-1:"
    )
