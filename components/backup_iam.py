"""IAM documents for backups: who may write a backup, and how S3 replicates them.

Built with ``pulumi.Output.json_dumps`` so the rendered JSON is visible in the resource
inputs and a review (and the tests) can read every statement.

A backup writer may write, read and list only its own prefix, use only the bucket's key,
and publish only backup metrics. Delete and configuration changes are not merely absent
from the grants but explicitly denied, so a broader policy attached to the role later (by
mistake or by a well-meant "give it S3 access") still cannot remove or unprotect backups.
"""

from __future__ import annotations

from typing import Any

import pulumi

METRIC_NAMESPACE = "McpFleet/Backups"

WRITER_MAY_NEVER = (
    "s3:DeleteObject*",
    "s3:DeleteBucket*",
    "s3:PutBucketPolicy",
    "s3:PutBucketVersioning",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutLifecycleConfiguration",
    "s3:PutEncryptionConfiguration",
    "s3:PutReplicationConfiguration",
    "s3:PutObjectRetention",
    "s3:BypassGovernanceRetention",
)
"""Removing a backup, shortening its life, or loosening the bucket's guard rails."""
WRITER_KEY_MAY_NEVER = ("kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy")
"""Losing or locking the key loses every backup it encrypts."""


def backup_writer_policy(
    bucket_arn: pulumi.Input[str], prefix: str, key_arn: pulumi.Input[str]
) -> pulumi.Output[str]:
    """Write, read and list ``prefix`` of the bucket; encrypt with its key; publish metrics.

    Reading is for ``ops backup-age`` and restores, which find the newest complete backup by
    its manifest. The multipart permissions are what a streamed upload needs to abort
    itself cleanly after a failure: aborting discards unfinished parts, never a backup.
    """
    prefix = prefix.strip("/")
    bucket_arn = pulumi.Output.from_input(bucket_arn)
    own_objects = pulumi.Output.concat(bucket_arn, "/", prefix, "/*")
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteOwnPrefix",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            "Resource": own_objects,
        },
        {
            "Sid": "ReadOwnPrefix",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": own_objects,
        },
        {
            "Sid": "ListOwnPrefix",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{prefix}/*"]}},
        },
        {
            "Sid": "UseBackupKey",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"],
            "Resource": key_arn,
        },
        {
            "Sid": "PublishBackupMetrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACE}},
        },
        {
            "Sid": "NeverDeleteOrUnprotect",
            "Effect": "Deny",
            "Action": list(WRITER_MAY_NEVER),
            "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
        },
        {
            "Sid": "NeverDestroyTheKey",
            "Effect": "Deny",
            "Action": list(WRITER_KEY_MAY_NEVER),
            "Resource": key_arn,
        },
    ]
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements})


def replication_trust_policy() -> pulumi.Output[str]:
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "S3Replication",
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def replication_policy(
    *,
    source_bucket_arn: pulumi.Input[str],
    source_key_arn: pulumi.Input[str],
    source_region: str,
    replica_bucket_arn: pulumi.Input[str],
    replica_key_arn: pulumi.Input[str],
    replica_region: str,
) -> pulumi.Output[str]:
    """Read versions (with their locks) from the source, write replicas, nothing else.

    No ``s3:ReplicateDelete``: delete markers are not replicated, so an expiry or a mistake
    in the primary region never hides the disaster-recovery copy. The KMS grants only work
    through S3 in the respective region (``kms:ViaService``), not as a general key user.
    """
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadReplicationConfiguration",
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            "Resource": source_bucket_arn,
        },
        {
            "Sid": "ReadSourceVersions",
            "Effect": "Allow",
            "Action": [
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionTagging",
                "s3:GetObjectRetention",
                "s3:GetObjectLegalHold",
            ],
            "Resource": pulumi.Output.concat(source_bucket_arn, "/*"),
        },
        {
            "Sid": "WriteReplicas",
            "Effect": "Allow",
            "Action": ["s3:ReplicateObject", "s3:ReplicateTags"],
            "Resource": pulumi.Output.concat(replica_bucket_arn, "/*"),
        },
        {
            "Sid": "DecryptSource",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": source_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{source_region}.amazonaws.com"}},
        },
        {
            "Sid": "EncryptReplicas",
            "Effect": "Allow",
            "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": replica_key_arn,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{replica_region}.amazonaws.com"}},
        },
    ]
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements})
