"""``backup-bucket-hardened`` (stack): backup buckets are hardened the same way everywhere.

A bucket and the separate S3 resources that configure it are correlated by the bucket they
point at (``bucket_facts.py``); each missing hardening is reported on the bucket.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .. import bucket_facts as facts_of
from ..rule_config import config_with_defaults

SCHEMA = PolicyConfigSchema(
    properties={
        "backupMarker": {
            "type": "string",
            "default": "backup",
            "description": (
                "A bucket is a backup bucket when its resource name, bucket name or prefix, or "
                "a tag value contains this text (case-insensitive)."
            ),
        },
        "kmsAlgorithms": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["aws:kms", "aws:kms:dsse"],
            "description": "Accepted default server-side encryption algorithms.",
        },
        "requireObjectLock": {
            "type": "boolean",
            "default": False,
            "description": "Require S3 Object Lock with a default retention (prod).",
        },
    }
)


def backup_buckets(resources: list[PolicyResource], marker: str) -> list[facts_of.BucketFacts]:
    """Every backup bucket, with the side resources that target it."""
    buckets = [
        facts_of.BucketFacts(resource)
        for resource in resources
        if resource.resource_type in facts_of.BUCKET_TYPES
        and facts_of.is_backup_bucket(resource, marker)
    ]
    for resource in resources:
        if resource.resource_type not in facts_of.SIDE_TYPES:
            continue
        for facts in buckets:
            if facts_of.targets(resource, facts.bucket):
                facts.side.setdefault(resource.resource_type, []).append(resource)
    return buckets


def problems(
    facts: facts_of.BucketFacts, algorithms: list[str], require_object_lock: bool
) -> list[str]:
    """What this bucket lacks, each with the fix."""
    found = []
    if facts_of.versioning_ok(facts) is False:
        found.append("versioning is not Enabled (add a BucketVersioning with status Enabled)")
    if facts_of.encryption_ok(facts, algorithms) is False:
        found.append(
            f"default encryption is not {' or '.join(algorithms)} (add a "
            "BucketServerSideEncryptionConfiguration with a KMS key)"
        )
    public_ok, open_flags = facts_of.public_access_ok(facts)
    if public_ok is False:
        found.append(f"public access is not fully blocked: {', '.join(open_flags)} must be true")
    if facts_of.policy_ok(facts) is False:
        found.append(
            "no bucket policy denies requests without TLS (Deny when aws:SecureTransport is false)"
        )
    expires, aborts = facts_of.lifecycle_ok(facts)
    if expires is False:
        found.append("no enabled lifecycle rule expires old backups")
    if aborts is False:
        found.append("no enabled lifecycle rule aborts incomplete multipart uploads")
    if require_object_lock and facts_of.object_lock_ok(facts) is False:
        found.append(
            "Object Lock is required here: create the bucket with objectLockEnabled and "
            "a BucketObjectLockConfiguration with a default retention"
        )
    return found


def _check(args: StackValidationArgs, report: ReportViolation) -> None:
    config = config_with_defaults(args, SCHEMA)
    marker = str(config.get("backupMarker") or "backup")
    algorithms = [str(item) for item in config.get("kmsAlgorithms") or []]
    for facts in backup_buckets(list(args.resources), marker):
        for problem in problems(facts, algorithms, bool(config.get("requireObjectLock"))):
            report(f"backup bucket {facts.bucket.name!r}: {problem}", facts.bucket.urn)


backup_bucket_hardened = StackValidationPolicy(
    name="backup-bucket-hardened",
    description=(
        "Backup buckets are versioned, KMS-encrypted, fully blocked from public access, refuse "
        "plain HTTP, expire old backups, abort stale multipart uploads, and are locked where "
        "the stage requires it."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.HIGH,
)
