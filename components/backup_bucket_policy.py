"""The backup bucket's policy: TLS 1.2 or newer only, and every upload under the bucket's key.

Only Deny statements: access is granted by IAM (the backup writers' roles, the replication
role, administrators), and the bucket policy is the guard rail no identity policy can
widen.

Encryption: the bucket's default encryption puts every upload that names no encryption
under the bucket's own KMS key, so the operator tools send no encryption headers at all.
What the policy refuses is an upload that asks for anything else: SSE-S3 (``AES256``),
another KMS key, or a customer-provided key (SSE-C), any of which would leave a backup that
this bucket's key and its key policy do not protect. Requiring the header instead (the
older "deny when the header is missing" recipe) would refuse the default-encrypted uploads
and protect nothing more.
"""

from __future__ import annotations

from typing import Any

import pulumi

MINIMUM_TLS_VERSION = "1.2"
SSE_HEADER = "s3:x-amz-server-side-encryption"
SSE_KMS_KEY_HEADER = "s3:x-amz-server-side-encryption-aws-kms-key-id"
SSE_CUSTOMER_KEY_HEADER = "s3:x-amz-server-side-encryption-customer-algorithm"


def _deny(
    sid: str, actions: str | list[str], resources: list[Any], condition: dict[str, Any]
) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": actions,
        "Resource": resources,
        "Condition": condition,
    }


def backup_bucket_policy(
    bucket_arn: pulumi.Input[str], key_arn: pulumi.Input[str]
) -> pulumi.Output[str]:
    """The policy JSON for the bucket ``bucket_arn`` whose objects ``key_arn`` encrypts."""
    objects = pulumi.Output.concat(bucket_arn, "/*")
    bucket_and_objects = [bucket_arn, objects]
    document = {
        "Version": "2012-10-17",
        "Statement": [
            _deny(
                "DenyInsecureTransport",
                "s3:*",
                bucket_and_objects,
                {"Bool": {"aws:SecureTransport": "false"}},
            ),
            _deny(
                "DenyTlsBelow12",
                "s3:*",
                bucket_and_objects,
                {"NumericLessThan": {"s3:TlsVersion": MINIMUM_TLS_VERSION}},
            ),
            _deny(
                "DenyUploadsNotSseKms",
                "s3:PutObject",
                [objects],
                # Both conditions must hold: the header is present and it is not aws:kms.
                {
                    "Null": {SSE_HEADER: "false"},
                    "StringNotEquals": {SSE_HEADER: "aws:kms"},
                },
            ),
            _deny(
                "DenyUploadsUnderAnotherKey",
                "s3:PutObject",
                [objects],
                {
                    "Null": {SSE_KMS_KEY_HEADER: "false"},
                    "StringNotEquals": {SSE_KMS_KEY_HEADER: key_arn},
                },
            ),
            _deny(
                "DenyCustomerProvidedKeys",
                "s3:PutObject",
                [objects],
                {"Null": {SSE_CUSTOMER_KEY_HEADER: "false"}},
            ),
        ],
    }
    return pulumi.Output.json_dumps(document)
