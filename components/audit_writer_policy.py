"""The archive writer's IAM policy: append and lock, read back to continue the chain, never delete.

The one writer is the sealing CronJob (``components/audit_sealer.py``, ``ops audit seal``):
it reads what Fluent Bit delivered to the audit log group (``FilterLogEvents``), writes each
batch once with its COMPLIANCE retain-until date (``PutObject`` + ``PutObjectRetention``),
checks the bucket is locked, and reads the last archived object (its record and cursor) to
continue the chain. The explicit deny repeats the bucket policy's, so the writer cannot
delete even if someone later attaches a broader policy to its role.
"""

from __future__ import annotations

import pulumi

from components.audit_bucket_policy import PROTECTED_ACTIONS

OBJECT_ACTIONS = ("s3:PutObject", "s3:PutObjectRetention", "s3:GetObject")
BUCKET_ACTIONS = ("s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketObjectLockConfiguration")
KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")
LOG_ACTIONS = ("logs:FilterLogEvents", "logs:GetLogEvents", "logs:DescribeLogStreams")
"""Read only: Fluent Bit writes the audit group, the sealer reads it."""


def archive_writer_policy(
    *,
    bucket_arn: pulumi.Input[str],
    archive_prefix: str,
    key_arn: pulumi.Input[str],
    log_group_arn: pulumi.Input[str],
) -> pulumi.Output[str]:
    archive_objects = pulumi.Output.concat(bucket_arn, "/", archive_prefix, "/*")
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AppendToArchive",
                    "Effect": "Allow",
                    "Action": list(OBJECT_ACTIONS),
                    "Resource": archive_objects,
                },
                {
                    "Sid": "ReadArchiveLayout",
                    "Effect": "Allow",
                    "Action": list(BUCKET_ACTIONS),
                    "Resource": bucket_arn,
                },
                {
                    "Sid": "UseAuditKey",
                    "Effect": "Allow",
                    "Action": list(KEY_ACTIONS),
                    "Resource": key_arn,
                },
                {
                    "Sid": "ReadAuditLogGroup",
                    "Effect": "Allow",
                    "Action": list(LOG_ACTIONS),
                    "Resource": [log_group_arn, pulumi.Output.concat(log_group_arn, ":*")],
                },
                {
                    "Sid": "NeverDeleteOrUnlock",
                    "Effect": "Deny",
                    "Action": list(PROTECTED_ACTIONS),
                    "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
                },
            ],
        }
    )
