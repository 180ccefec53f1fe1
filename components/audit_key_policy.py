"""What the audit key's policy adds to the account's administration statement.

Three services use the key, each only for its own resource: CloudWatch Logs for the audit
log group (encryption context ``aws:logs:arn``), CloudTrail for this trail's log files
(``aws:cloudtrail:arn`` context and ``aws:SourceArn``), and S3 through the callers' own
IAM permissions (the archive writer, Athena's users), which the account statement enables.
"""

from __future__ import annotations

from typing import Any

import pulumi

LOGS_ACTIONS = (
    "kms:Encrypt*",
    "kms:Decrypt*",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
    "kms:Describe*",
)


def audit_key_statements(
    *,
    region: str,
    log_group_arn: pulumi.Input[str],
    trail_arn: pulumi.Input[str],
) -> list[dict[str, Any]]:
    return [
        {
            "Sid": "AuditLogGroupOnly",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": list(LOGS_ACTIONS),
            "Resource": "*",
            "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arn}},
        },
        {
            "Sid": "CloudTrailEncryptsThisTrail",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceArn": trail_arn},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trail_arn},
            },
        },
        {
            "Sid": "CloudTrailDescribesKey",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}},
        },
    ]
