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

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.backup_bucket_policy import backup_bucket_policy
from components.backup_iam import replication_policy, replication_trust_policy
from components.backup_lifecycle import lifecycle_rules
from components.bucket_baseline import bucket_baseline
from components.labels import standard_tags
from stacks.environment import Environment
from stacks.fleet_plan import Settings

OBJECT_LOCK_MODE = "GOVERNANCE"
"""Governance, not compliance: an administrator holding s3:BypassGovernanceRetention can still
remove a backup that must go (a leaked secret in a dump, a legal erasure request); nobody
else can, and the backup writers are explicitly denied that permission."""
KEY_DELETION_WINDOW_DAYS = {Environment.DEV: 7, Environment.STAGING: 30, Environment.PROD: 30}
"""A scheduled key deletion can be cancelled for this long; after it every backup is lost."""


@dataclass(frozen=True)
class BackupBucketArgs:
    settings: Settings


@dataclass(frozen=True)
class StoredBucket:
    """One hardened bucket and the key that encrypts it."""

    bucket: aws.s3.Bucket
    key: aws.kms.Key
    versioning: aws.s3.BucketVersioning
    region: str


def stateful_options(settings: Settings, parent: pulumi.Resource) -> pulumi.ResourceOptions:
    """Options for resources whose loss loses backups: the buckets and their keys.

    ``protect`` in staging and prod: ``pulumi destroy`` or a refactor that drops or replaces
    the resource fails instead of deleting it. ``retain_on_delete`` in prod as well: should
    someone unprotect and destroy on purpose, the bucket and key are only forgotten by
    Pulumi, not deleted, because prod backups are under Object Lock and are the disaster
    recovery copy. Dev keeps neither, so a dev stack can be torn down.
    """
    environment = settings.environment
    return pulumi.ResourceOptions(
        parent=parent,
        protect=environment.is_production_like,
        retain_on_delete=environment is Environment.PROD,
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
        super().__init__("mcp-fleet:backup_bucket:BackupBucket", name, None, opts)
        settings = args.settings
        backups = settings.backups
        self.primary = self._stored_bucket(f"{name}-primary", settings, region=settings.region)
        self.replica = None
        if backups.replica_region:
            self.replica = self._stored_bucket(
                f"{name}-replica", settings, region=backups.replica_region
            )
            self._replicate(f"{name}-replication", settings, self.primary, self.replica)

        self.bucket_name = self.primary.bucket.id
        self.bucket_arn = self.primary.bucket.arn
        self.key_arn = self.primary.key.arn
        self.register_outputs(
            {
                "bucket": self.bucket_name,
                "bucket_arn": self.bucket_arn,
                "key_arn": self.key_arn,
                "replica_bucket": self.replica.bucket.id if self.replica else None,
                "replica_region": backups.replica_region,
            }
        )

    def _stored_bucket(self, name: str, settings: Settings, *, region: str) -> StoredBucket:
        backups = settings.backups
        environment = settings.environment.value
        is_replica = region != settings.region
        # None keeps the primary on the provider's region, as every other resource is.
        region_input = region if is_replica else None
        tags = standard_tags(settings)
        child = pulumi.ResourceOptions(parent=self)
        kind = "backups-replica" if is_replica else "backups"

        key = aws.kms.Key(
            f"{name}-key",
            description=f"Encrypts {settings.project} {environment} {kind} ({region})",
            enable_key_rotation=True,
            deletion_window_in_days=KEY_DELETION_WINDOW_DAYS[settings.environment],
            region=region_input,
            tags=tags,
            opts=stateful_options(settings, self),
        )
        aws.kms.Alias(
            f"{name}-key-alias",
            name=f"alias/{settings.project}-{environment}-{kind}",
            target_key_id=key.key_id,
            region=region_input,
            opts=child,
        )
        bucket = aws.s3.Bucket(
            name,
            bucket_prefix=f"{settings.project}-{environment}-{kind}-",
            # Object Lock can only be switched on when the bucket is created.
            object_lock_enabled=backups.object_lock,
            force_destroy=settings.environment is Environment.DEV,
            region=region_input,
            tags=tags,
            opts=stateful_options(settings, self),
        )
        bucket_id = bucket.id
        baseline = bucket_baseline(name, bucket_id, child, region=region_input)
        public_access, ownership = baseline.public_access, baseline.ownership
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
            opts=child,
        )
        versioning = baseline.versioning
        if backups.object_lock:
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-object-lock",
                bucket=bucket_id,
                rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                    default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                        mode=OBJECT_LOCK_MODE, days=backups.retention_days
                    )
                ),
                region=region_input,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
            )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket_id,
            rules=lifecycle_rules(backups.retention_days),
            region=region_input,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket_id,
            policy=backup_bucket_policy(bucket.arn, key.arn),
            region=region_input,
            # S3 refuses concurrent configuration changes to one bucket; policy goes last.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access, ownership]),
        )
        return StoredBucket(bucket=bucket, key=key, versioning=versioning, region=region)

    def _replicate(
        self, name: str, settings: Settings, source: StoredBucket, replica: StoredBucket
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
            description=f"S3 replicates {settings.environment.value} backups to {replica.region}",
            assume_role_policy=replication_trust_policy(),
            tags=standard_tags(settings),
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
