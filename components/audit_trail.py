"""AuditTrail: where audit records are kept (searchable now, immutable for years) and searched.

- a customer-managed KMS key for everything audit (log group, archive, trail, query results);
- the CloudWatch Logs audit group, KMS-encrypted, for Logs Insights now, with saved queries
  for the three questions of docs/audit.md;
- the archive bucket: Object Lock on from creation with a COMPLIANCE default retention,
  versioned, private, SSE-KMS, TLS only, deletes and lock/lifecycle changes denied to all
  but a break-glass role; its lifecycle never expires anything before the lock ends;
- a multi-region CloudTrail trail with log file validation, KMS-encrypted, into the archive
  under its own prefix (its objects are locked like the records);
- a Glue table and an Athena workgroup over the archive (``components/audit_athena``);
- a managed IAM policy for the one archive writer (append + retention, never delete).

The EKS control-plane audit log belongs to the cluster, which this program does not manage
(``components/cluster_access`` only reads it); docs/audit.md says what the operator enables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.audit_athena import audit_search
from components.audit_bucket_policy import archive_bucket_policy
from components.audit_key_policy import audit_key_statements
from components.audit_queries import AUDIT_QUERIES
from components.audit_retention import LockRetention, log_retention_problems
from components.audit_writer_policy import archive_writer_policy
from components.bucket_baseline import bucket_baseline
from components.encryption_key import encryption_key
from components.kms_key_policy import key_policy
from policy.contract import component_type

OBJECT_LOCK_MODE = "COMPLIANCE"
"""No one, the account root included, can delete a locked version or shorten its lock."""
ARCHIVE_TRANSITION_DAYS = 90
"""After three months records move to Glacier Instant Retrieval: Athena still reads them."""


@dataclass(frozen=True)
class AuditTrailArgs:
    name_prefix: str
    """Physical names start with it, like ``mcp-fleet-prod``."""
    region: str
    retention: LockRetention
    """The archive's COMPLIANCE default retention (guide default; stricter in prod)."""
    log_retention_days: int
    """How long the audit log group keeps records for Insights (a CloudWatch Logs value)."""
    tags: Mapping[str, str]
    break_glass_role_arn: str | None = None
    """The one principal that may delete or change lock and lifecycle; None: no one."""
    archive_expiration_days: int | None = None
    """Expire records after this many days (never before the lock ends); None: keep."""
    archive_prefix: str = "audit"
    cloudtrail_prefix: str = "cloudtrail"
    first_archive_day: str = "2026/01/01"
    """The first ``YYYY/MM/DD`` Athena's partition projection looks at."""
    athena_results_days: int = 30
    key_deletion_window_days: int = 30
    protect: bool = True
    """Pulumi refuses to delete the key and archive (and retains them if unprotected)."""

    def problems(self) -> list[str]:
        found = [*self.retention.problems(), *log_retention_problems(self.log_retention_days)]
        if self.archive_expiration_days is not None and (
            self.archive_expiration_days < self.retention.longest_days
        ):
            found.append(
                f"archive_expiration_days {self.archive_expiration_days} ends before the "
                f"{self.retention} lock ({self.retention.longest_days} days); use at least that"
            )
        if not 7 <= self.key_deletion_window_days <= 30:
            found.append(f"key_deletion_window_days {self.key_deletion_window_days} is not 7-30")
        for name in ("archive_prefix", "cloudtrail_prefix"):
            value = getattr(self, name)
            if not value or "/" in value:
                found.append(f"{name} {value!r}: one path segment without '/'")
        if self.archive_prefix == self.cloudtrail_prefix:
            found.append("archive_prefix and cloudtrail_prefix must differ")
        if self.athena_results_days < 1:
            found.append(f"athena_results_days {self.athena_results_days}: use 1 or more")
        if self.break_glass_role_arn is not None and ":role/" not in self.break_glass_role_arn:
            found.append(f"break_glass_role_arn {self.break_glass_role_arn!r} is not a role ARN")
        return found


def archive_lifecycle(args: AuditTrailArgs) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    """Colder after 90 days, expiry only when asked and never before the lock ends."""
    everything = aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="")
    expiry = args.archive_expiration_days
    return [
        aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="archive-colder",
            status="Enabled",
            filter=everything,
            transitions=[
                aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                    storage_class="GLACIER_IR", days=ARCHIVE_TRANSITION_DAYS
                )
            ],
            expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=expiry)
            if expiry
            else None,
            noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=expiry
            )
            if expiry
            else None,
        ),
        aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="abort-incomplete-uploads",
            status="Enabled",
            filter=everything,
            abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=1
            ),
        ),
    ]


def audit_log_group_name(name_prefix: str) -> str:
    """The audit log group: Fluent Bit delivers to it, the sealer reads it, Insights searches it."""
    return f"/{name_prefix}/audit"


class AuditTrail(pulumi.ComponentResource):
    """The audit key, log group, queries, locked archive, trail, search and writer policy."""

    key_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    trail_arn: pulumi.Output[str]
    writer_policy_arn: pulumi.Output[str]
    workgroup_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: AuditTrailArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = args.problems()
        if problems:
            raise ValueError(f"AuditTrail {name}: " + "; ".join(problems))
        super().__init__(component_type("audit", "AuditTrail"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        kept = pulumi.ResourceOptions(
            parent=self, protect=args.protect, retain_on_delete=args.protect
        )
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition
        log_group_name = audit_log_group_name(args.name_prefix)
        trail_name = f"{args.name_prefix}-audit"
        # Known before the trail exists: the key and bucket policies must name it first.
        trail_arn = pulumi.Output.concat(
            "arn:", partition, ":cloudtrail:", args.region, ":", account, ":trail/", trail_name
        )
        log_group_arn = pulumi.Output.concat(
            "arn:", partition, ":logs:", args.region, ":", account, ":log-group:", log_group_name
        )
        key = self._key(name, args, account, partition, log_group_arn, trail_arn, kept)
        group = self._log_group(name, args, log_group_name, key, kept)
        bucket, policy = self._archive(name, args, key, account, trail_arn, kept)
        trail = self._trail(name, args, trail_name, bucket, key, policy)
        search = audit_search(
            name,
            name_prefix=args.name_prefix,
            archive_location=pulumi.Output.concat(
                "s3://", bucket.id, "/", args.archive_prefix, "/"
            ),
            first_day=args.first_archive_day,
            key_arn=key.arn,
            results_days=args.athena_results_days,
            tags=args.tags,
            opts=child,
        )
        writer = aws.iam.Policy(
            f"{name}-writer",
            name=f"{args.name_prefix}-audit-writer",
            description="The audit archive writer: append with COMPLIANCE retention, never delete",
            policy=archive_writer_policy(
                bucket_arn=bucket.arn,
                archive_prefix=args.archive_prefix,
                key_arn=key.arn,
                log_group_arn=group.arn,
            ),
            tags=dict(args.tags),
            opts=child,
        )
        self.key_arn = key.arn
        self.log_group_name = group.name
        self.bucket_name = bucket.id
        self.bucket_arn = bucket.arn
        self.trail_arn = trail.arn
        self.writer_policy_arn = writer.arn
        self.workgroup_name = search.workgroup.name
        self.register_outputs(
            {
                "key_arn": self.key_arn,
                "log_group_name": self.log_group_name,
                "bucket": self.bucket_name,
                "bucket_arn": self.bucket_arn,
                "trail_arn": self.trail_arn,
                "writer_policy_arn": self.writer_policy_arn,
                "athena_workgroup": self.workgroup_name,
                "glue_database": search.database.name,
            }
        )

    def _key(
        self,
        name: str,
        args: AuditTrailArgs,
        account: pulumi.Output[str],
        partition: pulumi.Output[str],
        log_group_arn: pulumi.Output[str],
        trail_arn: pulumi.Output[str],
        kept: pulumi.ResourceOptions,
    ) -> aws.kms.Key:
        statements = audit_key_statements(
            region=args.region, log_group_arn=log_group_arn, trail_arn=trail_arn
        )
        return encryption_key(
            name,
            description=f"{args.name_prefix} audit trail: log group, archive, CloudTrail, Athena",
            alias=f"alias/{args.name_prefix}-audit",
            deletion_window_days=args.key_deletion_window_days,
            policy=key_policy(account, partition, statements),
            tags=args.tags,
            key_opts=kept,
            alias_opts=pulumi.ResourceOptions(parent=self),
        )

    def _log_group(
        self,
        name: str,
        args: AuditTrailArgs,
        log_group_name: str,
        key: aws.kms.Key,
        kept: pulumi.ResourceOptions,
    ) -> aws.cloudwatch.LogGroup:
        """The group for Logs Insights now, and the saved queries over it."""
        group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=log_group_name,
            retention_in_days=args.log_retention_days,
            kms_key_id=key.arn,
            tags=dict(args.tags),
            opts=kept,
        )
        for query in AUDIT_QUERIES:
            aws.cloudwatch.QueryDefinition(
                f"{name}-query-{query.slug}",
                name=f"{args.name_prefix}/audit/{query.slug}",
                log_group_names=[group.name],
                query_string=query.query_string,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return group

    def _trail(
        self,
        name: str,
        args: AuditTrailArgs,
        trail_name: str,
        bucket: aws.s3.Bucket,
        key: aws.kms.Key,
        policy: aws.s3.BucketPolicy,
    ) -> aws.cloudtrail.Trail:
        """CloudTrail checks the bucket policy when the trail is created: policy first."""
        return aws.cloudtrail.Trail(
            f"{name}-cloudtrail",
            name=trail_name,
            s3_bucket_name=bucket.id,
            s3_key_prefix=args.cloudtrail_prefix,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            kms_key_id=key.arn,
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )

    def _archive(
        self,
        name: str,
        args: AuditTrailArgs,
        key: aws.kms.Key,
        account: pulumi.Output[str],
        trail_arn: pulumi.Output[str],
        kept: pulumi.ResourceOptions,
    ) -> tuple[aws.s3.Bucket, aws.s3.BucketPolicy]:
        """The locked bucket; its policy last, since it denies changing lock and lifecycle."""
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(
            f"{name}-archive",
            bucket_prefix=f"{args.name_prefix}-audit-",
            object_lock_enabled=True,  # only possible when the bucket is created
            force_destroy=False,
            tags=dict(args.tags),
            opts=kept,
        )
        baseline = bucket_baseline(f"{name}-archive", bucket.id, child)
        after_versioning = pulumi.ResourceOptions(parent=self, depends_on=[baseline.versioning])
        encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-archive-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=key.arn
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=child,
        )
        lock = aws.s3.BucketObjectLockConfiguration(
            f"{name}-archive-object-lock",
            bucket=bucket.id,
            object_lock_enabled="Enabled",
            rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                    mode=OBJECT_LOCK_MODE, days=args.retention.days, years=args.retention.years
                )
            ),
            opts=after_versioning,
        )
        lifecycle = aws.s3.BucketLifecycleConfiguration(
            f"{name}-archive-lifecycle",
            bucket=bucket.id,
            rules=archive_lifecycle(args),
            opts=after_versioning,
        )
        policy = aws.s3.BucketPolicy(
            f"{name}-archive-policy",
            bucket=bucket.id,
            policy=archive_bucket_policy(
                bucket.arn,
                account=account,
                trail_arn=trail_arn,
                cloudtrail_prefix=args.cloudtrail_prefix,
                break_glass_role_arn=args.break_glass_role_arn,
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[
                    baseline.public_access,
                    baseline.ownership,
                    encryption,
                    lock,
                    lifecycle,
                ],
            ),
        )
        return bucket, policy
