"""A backup bucket and the separate S3 resources pulumi-aws v7 configures it with, judged.

Each ``*_ok`` answers True (hardened), False (not) or None (can't tell yet: preview).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyResource

from .reads import UNKNOWN, entries, get, is_true, is_unknown, items

BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
VERSIONING_TYPES = (
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
)
ENCRYPTION_TYPES = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
PUBLIC_ACCESS_BLOCK_TYPES = ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",)
POLICY_TYPES = ("aws:s3/bucketPolicy:BucketPolicy",)
LIFECYCLE_TYPES = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
OBJECT_LOCK_TYPES = (
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
)
SIDE_TYPES = (
    *VERSIONING_TYPES,
    *ENCRYPTION_TYPES,
    *PUBLIC_ACCESS_BLOCK_TYPES,
    *POLICY_TYPES,
    *LIFECYCLE_TYPES,
    *OBJECT_LOCK_TYPES,
)
PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


@dataclass
class BucketFacts:
    """One backup bucket and the side resources that configure it."""

    bucket: PolicyResource
    side: dict[str, list[PolicyResource]] = field(default_factory=dict)

    def of(self, types: Iterable[str]) -> list[PolicyResource]:
        return [resource for kind in types for resource in self.side.get(kind, [])]


def is_backup_bucket(resource: PolicyResource, marker: str) -> bool:
    marker = marker.lower()
    names = [resource.name, get(resource.props, "bucket"), get(resource.props, "bucketPrefix")]
    names += [value for _, value in entries(get(resource.props, "tags"))]
    return any(isinstance(name, str) and marker in name.lower() for name in names)


def _bucket_names(resource: PolicyResource) -> set[str]:
    names = {get(resource.props, key) for key in ("bucket", "id", "arn")}
    return {name for name in names if isinstance(name, str) and name and not is_unknown(name)}


def targets(side: PolicyResource, bucket: PolicyResource) -> bool:
    """Does a side resource configure this bucket? By property dependency, value or dependency."""
    if any(dep.urn == bucket.urn for dep in side.property_dependencies.get("bucket", [])):
        return True
    value = get(side.props, "bucket")
    if isinstance(value, str) and not is_unknown(value):
        return value in _bucket_names(bucket)
    return is_unknown(value) and any(dep.urn == bucket.urn for dep in side.dependencies)


def versioning_ok(facts: BucketFacts) -> bool | None:
    if is_true(get(facts.bucket.props, "versioning", "enabled")):
        return True
    statuses = [
        get(r.props, "versioningConfiguration", "status") for r in facts.of(VERSIONING_TYPES)
    ]
    if "Enabled" in statuses:
        return True
    return None if any(is_unknown(s) for s in statuses) else False


def encryption_ok(facts: BucketFacts, algorithms: list[str]) -> bool | None:
    found = [
        get(
            facts.bucket.props,
            "serverSideEncryptionConfiguration",
            "rule",
            "applyServerSideEncryptionByDefault",
            "sseAlgorithm",
        )
    ]
    for resource in facts.of(ENCRYPTION_TYPES):
        rules = get(resource.props, "rules")
        if is_unknown(rules):
            found.append(UNKNOWN)
        for rule in items(rules):
            found.append(get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"))
    if any(isinstance(a, str) and a in algorithms for a in found):
        return True
    return None if any(is_unknown(a) for a in found) else False


def public_access_ok(facts: BucketFacts) -> tuple[bool | None, list[str]]:
    blocks = facts.of(PUBLIC_ACCESS_BLOCK_TYPES)
    if not blocks:
        return False, list(PUBLIC_ACCESS_FLAGS)
    for block in blocks:
        values = {flag: get(block.props, flag) for flag in PUBLIC_ACCESS_FLAGS}
        if all(value is True for value in values.values()):
            return True, []
        if any(is_unknown(value) for value in values.values()):
            return None, []
    last = {flag: get(blocks[-1].props, flag) for flag in PUBLIC_ACCESS_FLAGS}
    return False, [flag for flag, value in last.items() if value is not True]


def _denies_insecure_transport(policy: Any) -> bool | None:
    if is_unknown(policy):
        return None
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return False
    statements = get(policy, "Statement", default=[])
    statements = [statements] if isinstance(statements, Mapping) else list(items(statements))
    for statement in statements:
        if get(statement, "Effect") != "Deny":
            continue
        condition = get(statement, "Condition", "Bool", "aws:SecureTransport")
        values = list(items(condition)) if isinstance(condition, list) else [condition]
        if any(
            value is False or (isinstance(value, str) and value.lower() == "false")
            for value in values
        ):
            return True
    return False


def policy_ok(facts: BucketFacts) -> bool | None:
    results = [_denies_insecure_transport(get(r.props, "policy")) for r in facts.of(POLICY_TYPES)]
    inline = get(facts.bucket.props, "policy")
    if inline is not None:
        results.append(_denies_insecure_transport(inline))
    if True in results:
        return True
    return None if None in results else False


def lifecycle_ok(facts: BucketFacts) -> tuple[bool | None, bool | None]:
    """(has an expiration, aborts incomplete multipart uploads)."""
    expires: list[bool | None] = []
    aborts: list[bool | None] = []
    for resource in facts.of(LIFECYCLE_TYPES):
        rules = get(resource.props, "rules")
        if is_unknown(rules):
            expires.append(None)
            aborts.append(None)
        for rule in items(rules):
            status = get(rule, "status")
            if is_unknown(status):
                expires.append(None)
                aborts.append(None)
                continue
            if status != "Enabled":
                continue
            expiration = get(rule, "expiration")
            expires.append(
                None
                if is_unknown(expiration)
                else bool(get(expiration, "days") or get(expiration, "date"))
            )
            abort = get(rule, "abortIncompleteMultipartUpload", "daysAfterInitiation")
            aborts.append(None if is_unknown(abort) else bool(abort))
    for rule in items(get(facts.bucket.props, "lifecycleRules")):
        if is_true(get(rule, "enabled")):
            expires.append(bool(get(rule, "expiration", "days") or get(rule, "expiration", "date")))
            aborts.append(bool(get(rule, "abortIncompleteMultipartUploadDays")))

    def verdict(found: list[bool | None]) -> bool | None:
        return True if True in found else (None if None in found else False)

    return verdict(expires), verdict(aborts)


def object_lock_ok(facts: BucketFacts) -> bool | None:
    props = facts.bucket.props
    enabled = get(props, "objectLockEnabled")
    inline = get(props, "objectLockConfiguration")
    if is_unknown(enabled) or is_unknown(inline):
        return None
    bucket_locked = is_true(enabled) or get(inline, "objectLockEnabled") == "Enabled"
    retention = [get(inline, "rule", "defaultRetention")]
    retention += [get(r.props, "rule", "defaultRetention") for r in facts.of(OBJECT_LOCK_TYPES)]
    if any(is_unknown(item) for item in retention):
        return None
    has_retention = any(
        isinstance(item, Mapping) and (get(item, "days") or get(item, "years"))
        for item in retention
    )
    return bucket_locked and has_retention
