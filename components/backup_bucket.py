"""BackupBucket: where backups live, hardened so that losing them takes more than one mistake.

Each bucket (the primary, and the replica when the stack names a second region) is
versioned, private, owner-enforced, encrypted with its own rotating KMS key with S3 Bucket
Keys, TLS-1.2-only by policy, and expires backups after the stack's retention. Where the
stack asks (prod), Object Lock holds every backup in governance mode for that retention.

The replica is declared with pulumi-aws v7's per-resource ``region`` rather than a second
provider: one provider means one set of credentials and settings (profile, assume-role,
default tags) that cannot drift between the two regions, and the region stays visible in
every replica resource's inputs, where a review can see it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.arg_checks import require_days
from components.backup_bucket_policy import backup_bucket_policy
from components.backup_iam import replication_policy, replication_trust_policy
from components.backup_lifecycle import lifecycle_rules
from components.bucket_baseline import BucketBaseline, bucket_baseline
from components.encryption_key import encryption_key
from components.environment_policy import StatefulPolicy
from policy.contract import component_type

OBJECT_LOCK_MODE = "GOVERNANCE"
"""Governance, not compliance: an administrator holding s3:BypassGovernanceRetention can still
remove a backup that must go (a leaked secret in a dump, a legal erasure request); nobody
else can, and the backup writers are explicitly denied that permission."""


@dataclass(frozen=True)
class BackupBucketArgs:
    name_prefix: str
    """Bucket prefixes and key aliases start with it, like ``mcp-fleet-prod``."""
    title: str
    """Human-readable prefix of key descriptions, like ``mcp-fleet prod``."""
    environment: str
    region: str
    """The stack's region: the primary bucket lives there."""
    replica_region: str | None
    object_lock: bool
    retention_days: int
    stateful: StatefulPolicy
    """protect / retain_on_delete / force_destroy / key deletion window: the environment's."""
    tags: Mapping[str, str]

    def __post_init__(self) -> None:
        require_days("BackupBucket", "retention_days", self.retention_days)


@dataclass(frozen=True)
class StoredBucket:
    """One hardened bucket and the key that encrypts it."""

    bucket: aws.s3.Bucket
    key: aws.kms.Key
    versioning: aws.s3.BucketVersioning
    region: str


def stateful_options(policy: StatefulPolicy, parent: pulumi.Resource) -> pulumi.ResourceOptions:
    """Options for resources whose loss loses backups: the buckets and their keys."""
    return pulumi.ResourceOptions(
        parent=parent, protect=policy.protect, retain_on_delete=policy.retain_on_delete
    )


class BackupBucket(pulumi.ComponentResource):
    """The primary backup bucket, and its cross-region replica where the stack asks."""

    primary: StoredBucket
    replica: StoredBucket | None
    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: BackupBucketArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("backup_bucket", "BackupBucket"), name, None, opts)
        self.primary = self._stored_bucket(f"{name}-primary", args, region=args.region)
        self.replica = None
        if args.replica_region:
            self.replica = self._stored_bucket(f"{name}-replica", args, region=args.replica_region)
            self._replicate(f"{name}-replication", args, self.primary, self.replica)

        self.bucket_name = self.primary.bucket.id
        self.bucket_arn = self.primary.bucket.arn
        self.key_arn = self.primary.key.arn
        self.register_outputs(
            {
                "bucket": self.bucket_name,
                "bucket_arn": self.bucket_arn,
                "key_arn": self.key_arn,
                "replica_bucket": self.replica.bucket.id if self.replica else None,
                "replica_region": args.replica_region,
            }
        )

    def _stored_bucket(self, name: str, args: BackupBucketArgs, *, region: str) -> StoredBucket:
        is_replica = region != args.region
        # None keeps the primary on the provider's region, as every other resource is.
        region_input = region if is_replica else None
        child = pulumi.ResourceOptions(parent=self)
        kind = "backups-replica" if is_replica else "backups"

        key = encryption_key(
            name,
            description=f"Encrypts {args.title} {kind} ({region})",
            alias=f"alias/{args.name_prefix}-{kind}",
            deletion_window_days=args.stateful.key_deletion_window_days,
            region=region_input,
            tags=args.tags,
            key_opts=stateful_options(args.stateful, self),
            alias_opts=child,
        )
        bucket = aws.s3.Bucket(
            name,
            bucket_prefix=f"{args.name_prefix}-{kind}-",
            # Object Lock can only be switched on when the bucket is created.
            object_lock_enabled=args.object_lock,
            force_destroy=args.stateful.force_destroy,
            region=region_input,
            tags=dict(args.tags),
            opts=stateful_options(args.stateful, self),
        )
        baseline = bucket_baseline(name, bucket.id, child, region=region_input)
        self._configure(name, args, bucket, key, baseline, region_input)
        return StoredBucket(bucket=bucket, key=key, versioning=baseline.versioning, region=region)

    def _configure(
        self,
        name: str,
        args: BackupBucketArgs,
        bucket: aws.s3.Bucket,
        key: aws.kms.Key,
        baseline: BucketBaseline,
        region_input: str | None,
    ) -> None:
        """Encryption under the bucket's key, the lock, the lifecycle, and the policy last."""
        bucket_id = bucket.id
        after_versioning = pulumi.ResourceOptions(parent=self, depends_on=[baseline.versioning])
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket_id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=key.arn
                    ),
                    # One data key per bucket instead of one KMS call per object and part.
                    bucket_key_enabled=True,
                )
            ],
            region=region_input,
            opts=pulumi.ResourceOptions(parent=self),
        )
        if args.object_lock:
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-object-lock",
                bucket=bucket_id,
                rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                    default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                        mode=OBJECT_LOCK_MODE, days=args.retention_days
                    )
                ),
                region=region_input,
                opts=after_versioning,
            )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket_id,
            rules=lifecycle_rules(args.retention_days),
            region=region_input,
            opts=after_versioning,
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket_id,
            policy=backup_bucket_policy(bucket.arn, key.arn),
            region=region_input,
            # S3 refuses concurrent configuration changes to one bucket; policy goes last.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[baseline.public_access, baseline.ownership]
            ),
        )

    def _replicate(
        self, name: str, args: BackupBucketArgs, source: StoredBucket, replica: StoredBucket
    ) -> aws.s3.BucketReplicationConfig:
        """Every new backup copied to the replica region, encrypted there with the replica key.

        Delete markers stay behind: expiring (or mistakenly deleting) a backup in the primary
        region does not hide its copy; the replica's own lifecycle expires it on the same
        schedule. Object Lock settings travel with each replicated version, which is why the
        replica bucket is lock-enabled whenever the primary is.
        """
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            description=f"S3 replicates {args.environment} backups to {replica.region}",
            assume_role_policy=replication_trust_policy(),
            tags=dict(args.tags),
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=replication_policy(
                source_bucket_arn=source.bucket.arn,
                source_key_arn=source.key.arn,
                source_region=source.region,
                replica_bucket_arn=replica.bucket.arn,
                replica_key_arn=replica.key.arn,
                replica_region=replica.region,
            ),
            opts=child,
        )
        return aws.s3.BucketReplicationConfig(
            name,
            bucket=source.bucket.id,
            role=role.arn,
            rules=[
                aws.s3.BucketReplicationConfigRuleArgs(
                    id="replicate-backups",
                    status="Enabled",
                    filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),
                    delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                        status="Disabled"
                    ),
                    source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                        sse_kms_encrypted_objects=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                            status="Enabled"
                        )
                    ),
                    destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                        bucket=replica.bucket.arn,
                        encryption_configuration=aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                            replica_kms_key_id=replica.key.arn
                        ),
                    ),
                )
            ],
            # Replication needs versioning on both sides and a role that can already act.
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[source.versioning, replica.versioning, role_policy],
            ),
        )
