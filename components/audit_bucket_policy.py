"""Bucket policies of the audit archive and of the Athena results bucket.

The archive's policy is the guard rail identity policies cannot widen:

- TLS only (no plain HTTP, nothing below TLS 1.2), as every bucket of the program;
- nobody deletes an object or a version, changes the Object Lock configuration or the
  lifecycle, except the break-glass role when the stack names one (and with none, nobody:
  the lock and lifecycle are then fixed until the policy itself is changed);
- CloudTrail may read the ACL and write its log files under its own prefix, for this
  account's one trail only (``aws:SourceArn``), as CloudTrail's documented bucket policy.

Object Lock in COMPLIANCE mode already refuses deleting a locked version to everyone, the
account root included; the deny here also covers delete markers (``s3:DeleteObject``
without a version), which the lock does not stop and which hide a record from listings.
"""

from __future__ import annotations

from typing import Any

import pulumi

MINIMUM_TLS_VERSION = "1.2"
PROTECTED_ACTIONS = (
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:DeleteObjectTagging",
    "s3:DeleteObjectVersionTagging",
    "s3:BypassGovernanceRetention",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutLifecycleConfiguration",
)
"""What only the break-glass role may do on the archive (``s3:DeleteObject*`` spelled out)."""
CLOUDTRAIL = "cloudtrail.amazonaws.com"


def _tls_only(resources: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": resources,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "DenyTlsBelow12",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": resources,
            "Condition": {"NumericLessThan": {"s3:TlsVersion": MINIMUM_TLS_VERSION}},
        },
    ]


def _protected(resources: list[Any], break_glass_role_arn: str | None) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Sid": "DenyDeletesAndLockChanges",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(PROTECTED_ACTIONS),
        "Resource": resources,
    }
    if break_glass_role_arn:
        statement["Condition"] = {"ArnNotEquals": {"aws:PrincipalArn": break_glass_role_arn}}
    return statement


def _cloudtrail(
    bucket_arn: pulumi.Input[str],
    cloudtrail_prefix: str,
    account: pulumi.Input[str],
    trail_arn: pulumi.Input[str],
) -> list[dict[str, Any]]:
    source = {"StringEquals": {"aws:SourceArn": trail_arn}}
    return [
        {
            "Sid": "CloudTrailAclCheck",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": source,
        },
        {
            "Sid": "CloudTrailWrite",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "s3:PutObject",
            "Resource": pulumi.Output.concat(
                bucket_arn, "/", cloudtrail_prefix, "/AWSLogs/", account, "/*"
            ),
            "Condition": {
                "StringEquals": {
                    "s3:x-amz-acl": "bucket-owner-full-control",
                    "aws:SourceArn": trail_arn,
                }
            },
        },
    ]


def archive_bucket_policy(
    bucket_arn: pulumi.Input[str],
    *,
    account: pulumi.Input[str],
    trail_arn: pulumi.Input[str],
    cloudtrail_prefix: str,
    break_glass_role_arn: str | None,
) -> pulumi.Output[str]:
    """The archive bucket's policy JSON."""
    resources = [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")]
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                *_tls_only(resources),
                _protected(resources, break_glass_role_arn),
                *_cloudtrail(bucket_arn, cloudtrail_prefix, account, trail_arn),
            ],
        }
    )


def results_bucket_policy(bucket_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """The Athena results bucket: TLS only; access is granted by IAM to who runs queries."""
    resources = [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")]
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": _tls_only(resources)})
