"""backup-bucket-hardened: a backup bucket and its side resources, judged together."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy import PolicyResource

from policy.rules.backup_bucket_hardened import backup_bucket_hardened
from tests.policy.harness import (
    UNKNOWN,
    resource,
    stack_args,
    violations,
)

S3 = "aws:s3/"
BUCKET = "aws:s3/bucket:Bucket"
NAME = "mcp-fleet-prod-backups-1234"


TLS_ONLY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{NAME}", f"arn:aws:s3:::{NAME}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
)


def side_resources(bucket: str = NAME) -> dict[str, tuple[str, dict[str, Any]]]:
    """The hardened configuration of a backup bucket, by short name: (type, inputs)."""
    return {
        "versioning": (
            S3 + "bucketVersioning:BucketVersioning",
            {"bucket": bucket, "versioningConfiguration": {"status": "Enabled"}},
        ),
        "encryption": (
            S3 + "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            {
                "bucket": bucket,
                "rules": [
                    {
                        "applyServerSideEncryptionByDefault": {
                            "sseAlgorithm": "aws:kms",
                            "kmsMasterKeyId": "arn:aws:kms:eu-west-1:1:key/x",
                        },
                        "bucketKeyEnabled": True,
                    }
                ],
            },
        ),
        "public-access": (
            S3 + "bucketPublicAccessBlock:BucketPublicAccessBlock",
            {
                "bucket": bucket,
                "blockPublicAcls": True,
                "blockPublicPolicy": True,
                "ignorePublicAcls": True,
                "restrictPublicBuckets": True,
            },
        ),
        "policy": (S3 + "bucketPolicy:BucketPolicy", {"bucket": bucket, "policy": TLS_ONLY}),
        "lifecycle": (
            S3 + "bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            {
                "bucket": bucket,
                "rules": [
                    {"id": "expire", "status": "Enabled", "filter": {}, "expiration": {"days": 30}},
                    {
                        "id": "abort",
                        "status": "Enabled",
                        "filter": {},
                        "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1},
                    },
                ],
            },
        ),
        "object-lock": (
            S3 + "bucketObjectLockConfiguration:BucketObjectLockConfiguration",
            {
                "bucket": bucket,
                "objectLockEnabled": "Enabled",
                "rule": {"defaultRetention": {"mode": "GOVERNANCE", "days": 30}},
            },
        ),
    }


def backup_stack(
    *,
    drop: tuple[str, ...] = (),
    change: dict[str, dict[str, Any]] | None = None,
    bucket_inputs: dict[str, Any] | None = None,
    by_dependency: bool = False,
) -> list[PolicyResource]:
    bucket = resource(
        BUCKET,
        {"bucket": NAME, "objectLockEnabled": True, **(bucket_inputs or {})},
        name="backups-primary",
    )
    found = [bucket]
    for short, (kind, inputs) in side_resources().items():
        if short in drop:
            continue
        inputs = {**inputs, **(change or {}).get(short, {})}
        if by_dependency:  # as in a preview of an auto-named bucket: the name isn't known yet
            inputs["bucket"] = UNKNOWN
            found.append(
                resource(
                    kind,
                    inputs,
                    name=f"backups-{short}",
                    property_dependencies={"bucket": [bucket]},
                )
            )
        else:
            found.append(resource(kind, inputs, name=f"backups-{short}"))
    return found


LOCKED = {"requireObjectLock": True}


def test_a_hardened_backup_bucket_passes() -> None:
    assert violations(backup_bucket_hardened, stack_args(backup_stack(), LOCKED)) == []


def test_side_resources_are_matched_by_property_dependency_when_the_name_is_unknown() -> None:
    assert (
        violations(backup_bucket_hardened, stack_args(backup_stack(by_dependency=True), LOCKED))
        == []
    )


@pytest.mark.parametrize(
    ("drop", "change", "expected"),
    [
        (("versioning",), None, "versioning is not Enabled"),
        (
            (),
            {"versioning": {"versioningConfiguration": {"status": "Suspended"}}},
            "versioning is not Enabled",
        ),
        (
            (),
            {
                "encryption": {
                    "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
                }
            },
            "default encryption is not aws:kms or aws:kms:dsse",
        ),
        (
            (),
            {"public-access": {"restrictPublicBuckets": False}},
            "public access is not fully blocked: restrictPublicBuckets must be true",
        ),
        (
            ("public-access",),
            None,
            "public access is not fully blocked: blockPublicAcls, blockPublicPolicy",
        ),
        (
            (),
            {
                "policy": {
                    "policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*"}]})
                }
            },
            "no bucket policy denies requests without TLS",
        ),
        (
            (),
            {
                "lifecycle": {
                    "rules": [
                        {
                            "id": "abort",
                            "status": "Enabled",
                            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1},
                        }
                    ]
                }
            },
            "no enabled lifecycle rule expires old backups",
        ),
        (
            (),
            {
                "lifecycle": {
                    "rules": [{"id": "e", "status": "Enabled", "expiration": {"days": 30}}]
                }
            },
            "no enabled lifecycle rule aborts incomplete multipart uploads",
        ),
        (("object-lock",), None, "Object Lock is required here"),
    ],
)
def test_each_missing_hardening_is_named(
    drop: tuple[str, ...], change: dict[str, Any] | None, expected: str
) -> None:
    found = violations(
        backup_bucket_hardened, stack_args(backup_stack(drop=drop, change=change), LOCKED)
    )
    assert len(found) == 1 and found[0].startswith("backup bucket 'backups-primary': ")
    assert expected in found[0]


def test_object_lock_is_only_required_where_configured() -> None:
    resources = backup_stack(drop=("object-lock",), bucket_inputs={"objectLockEnabled": False})
    assert (
        violations(backup_bucket_hardened, stack_args(resources, {"requireObjectLock": False}))
        == []
    )
    [message] = violations(backup_bucket_hardened, stack_args(resources, LOCKED))
    assert "objectLockEnabled" in message


def test_buckets_that_are_not_backups_are_not_judged_here() -> None:
    logs = resource(BUCKET, {"bucketPrefix": "mcp-fleet-prod-alb-logs-"}, name="access-logs")
    assert violations(backup_bucket_hardened, stack_args([logs], LOCKED)) == []


def test_unknown_side_resource_values_are_not_violations() -> None:
    change = {
        "versioning": {"versioningConfiguration": UNKNOWN},
        "policy": {"policy": UNKNOWN},
        "lifecycle": {"rules": UNKNOWN},
        "encryption": {"rules": UNKNOWN},
    }
    assert violations(backup_bucket_hardened, stack_args(backup_stack(change=change), LOCKED)) == []
