"""What every bucket this program creates has: private, owner-enforced, versioned.

The access-log bucket and the backup buckets differ in encryption, lifecycle and policy;
these controls they share, so a hardening applied here reaches both.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class BucketBaseline:
    public_access: aws.s3.BucketPublicAccessBlock
    ownership: aws.s3.BucketOwnershipControls
    versioning: aws.s3.BucketVersioning


def bucket_baseline(
    name: str,
    bucket_id: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
    region: pulumi.Input[str] | None = None,
) -> BucketBaseline:
    """Public access blocked all four ways, ACLs disabled, versioning on."""
    return BucketBaseline(
        public_access=aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            region=region,
            opts=opts,
        ),
        ownership=aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket_id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            region=region,
            opts=opts,
        ),
        versioning=aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket_id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            region=region,
            opts=opts,
        ),
    )


def remove_expired_delete_markers() -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    """Expiry on a versioned bucket leaves delete markers; without this they pile up forever.

    S3 refuses ``expired_object_delete_marker`` beside expiration days in one rule, so it is
    a rule of its own.
    """
    return aws.s3.BucketLifecycleConfigurationRuleArgs(
        id="remove-expired-delete-markers",
        status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
        expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
            expired_object_delete_marker=True
        ),
    )
