"""AccessLogBucket: where the load balancer writes its access logs, and nothing else.

ALB access logs are the audit trail of who called which server (the operate guide's
"who/what/when"), so the bucket is private, owner-enforced, versioned and TLS-only, and it
forgets the logs after the stack's retention so they do not become a liability.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.arg_checks import require_days
from components.bucket_baseline import bucket_baseline, remove_expired_delete_markers
from policy.contract import component_type

LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
"""Regions opened since August 2022 deliver ALB logs as this service principal."""
INCOMPLETE_UPLOAD_DAYS = 1
NONCURRENT_VERSION_DAYS = 1
"""Expiring a log makes it noncurrent; it is gone for good one day later."""


@dataclass(frozen=True)
class AccessLogBucketArgs:
    bucket_prefix: str
    """S3 adds a unique suffix: ``mcp-fleet-prod-alb-logs-`` -> ``mcp-fleet-prod-alb-logs-1a2b...``."""
    prefix: str
    """Key prefix the load balancer writes under; the only place log delivery may write."""
    retention_days: int
    force_destroy: bool
    """Whether the bucket may be deleted with its logs (only where the ALB may be deleted)."""
    tags: Mapping[str, str]

    def __post_init__(self) -> None:
        require_days("AccessLogBucket", "retention_days", self.retention_days)
        if not self.prefix or self.prefix.startswith("/") or self.prefix.endswith("/"):
            raise ValueError(
                f"AccessLogBucket: prefix {self.prefix!r} must be a key prefix like 'alb', "
                "without leading or trailing slashes"
            )


class AccessLogBucket(pulumi.ComponentResource):
    """Bucket, public access block, ownership, encryption, versioning, lifecycle, policy."""

    bucket: aws.s3.Bucket
    policy: aws.s3.BucketPolicy
    prefix: str

    def __init__(
        self, name: str, args: AccessLogBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("access_log_bucket", "AccessLogBucket"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.prefix = args.prefix

        self.bucket = aws.s3.Bucket(
            name,
            bucket_prefix=args.bucket_prefix,
            force_destroy=args.force_destroy,
            tags=dict(args.tags),
            opts=child,
        )
        bucket_id = self.bucket.id
        baseline = bucket_baseline(name, bucket_id, child)
        public_access, ownership = baseline.public_access, baseline.ownership
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket_id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    # ALB log delivery writes with SSE-S3 only; a KMS default breaks delivery.
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    ),
                )
            ],
            opts=child,
        )
        versioning = baseline.versioning
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket_id,
            rules=self._lifecycle_rules(args.retention_days),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        self.policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket_id,
            policy=self._policy_document(args.prefix),
            # S3 refuses concurrent configuration changes to one bucket; policy goes last.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access, ownership]),
        )
        self.register_outputs({"bucket": bucket_id, "arn": self.bucket.arn, "prefix": self.prefix})

    @staticmethod
    def _lifecycle_rules(
        retention_days: int,
    ) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
        everything = aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="")
        return [
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-access-logs",
                status="Enabled",
                filter=everything,
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                    days=retention_days
                ),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=NONCURRENT_VERSION_DAYS
                ),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=INCOMPLETE_UPLOAD_DAYS
                ),
            ),
            remove_expired_delete_markers(),
        ]

    def _policy_document(self, prefix: str) -> pulumi.Output[str]:
        """Log delivery may only PutObject under this account's prefix; nobody may use plain HTTP.

        Both principals are granted because which one delivers depends on the region's age:
        the regional ELB account for older regions, the service principal for newer ones.
        """
        opts = pulumi.InvokeOutputOptions(parent=self)
        elb_account = aws.elb.get_service_account_output(opts=opts)
        caller = aws.get_caller_identity_output(opts=opts)
        arn = self.bucket.arn
        log_objects = pulumi.Output.format("{0}/{1}/AWSLogs/{2}/*", arn, prefix, caller.account_id)
        return pulumi.Output.json_dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "RegionalElbAccountWritesAccessLogs",
                        "Effect": "Allow",
                        "Principal": {"AWS": elb_account.arn},
                        "Action": "s3:PutObject",
                        "Resource": log_objects,
                    },
                    {
                        "Sid": "ElbLogDeliveryWritesAccessLogs",
                        "Effect": "Allow",
                        "Principal": {"Service": LOG_DELIVERY_SERVICE},
                        "Action": "s3:PutObject",
                        "Resource": log_objects,
                    },
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [arn, pulumi.Output.format("{0}/*", arn)],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            }
        )
