"""audit-bucket-locked: the audit archive, its lock, lifecycle and bucket policy, judged together."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy import PolicyResource

from policy.rules.audit_bucket_locked import audit_bucket_locked
from tests.policy.harness import UNKNOWN, resource, stack_args, stack_config, violations

S3 = "aws:s3/"
BUCKET = "aws:s3/bucket:Bucket"
NAME = "mcp-fleet-prod-audit-1234"
LOCK = S3 + "bucketObjectLockConfiguration:BucketObjectLockConfiguration"
LIFECYCLE = S3 + "bucketLifecycleConfiguration:BucketLifecycleConfiguration"
POLICY = S3 + "bucketPolicy:BucketPolicy"
PROD = {"minRetentionYears": 10}

DENY_DELETES = {
    "Sid": "DenyDeletes",
    "Effect": "Deny",
    "Principal": "*",
    "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
    "Resource": f"arn:aws:s3:::{NAME}/*",
}
CLOUDTRAIL_WRITE = {
    "Sid": "CloudTrailWrite",
    "Effect": "Allow",
    "Principal": {"Service": "cloudtrail.amazonaws.com"},
    "Action": "s3:PutObject",
    "Resource": f"arn:aws:s3:::{NAME}/cloudtrail/*",
}


def policy_of(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def archive(
    *,
    locked: bool = True,
    retention: dict[str, Any] | None = None,
    rules: list[dict[str, Any]] | None = None,
    statements: tuple[dict[str, Any], ...] = (DENY_DELETES, CLOUDTRAIL_WRITE),
    drop: tuple[str, ...] = (),
    bucket_name: str = NAME,
) -> list[PolicyResource]:
    """The archive as AuditTrail declares it (resource names included), with one change."""
    bucket = resource(
        BUCKET, {"bucket": bucket_name, "objectLockEnabled": locked}, name="mcp-audit-archive"
    )
    side: dict[str, tuple[str, dict[str, Any]]] = {
        "object-lock": (
            LOCK,
            {
                "bucket": bucket_name,
                "objectLockEnabled": "Enabled",
                "rule": {"defaultRetention": retention or {"mode": "COMPLIANCE", "years": 10}},
            },
        ),
        "lifecycle": (
            LIFECYCLE,
            {
                "bucket": bucket_name,
                "rules": rules
                if rules is not None
                else [
                    {
                        "id": "archive-colder",
                        "status": "Enabled",
                        "filter": {"prefix": ""},
                        "transitions": [{"storageClass": "GLACIER_IR", "days": 90}],
                    }
                ],
            },
        ),
        "policy": (POLICY, {"bucket": bucket_name, "policy": policy_of(*statements)}),
    }
    return [bucket] + [
        resource(kind, inputs, name=f"mcp-audit-archive-{short}")
        for short, (kind, inputs) in side.items()
        if short not in drop
    ]


def judged(resources: list[PolicyResource], config: dict[str, Any] | None = None) -> list[str]:
    return violations(audit_bucket_locked, stack_args(resources, config or PROD))


def test_the_archive_as_audit_trail_declares_it_passes_with_prods_config() -> None:
    assert stack_config("prod", "audit-bucket-locked") == PROD
    assert judged(archive()) == []


def test_expiry_after_the_longest_lock_and_a_longer_lock_in_days_pass() -> None:
    expiring = {"id": "x", "status": "Enabled", "expiration": {"days": 3660}}
    assert judged(archive(rules=[expiring])) == []
    assert judged(archive(retention={"mode": "COMPLIANCE", "days": 3650})) == []


def test_other_buckets_are_not_judged() -> None:
    results = resource(
        BUCKET, {"bucket": "mcp-fleet-prod-audit-results-1"}, name="mcp-audit-results"
    )
    assert judged([results]) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"locked": False}, "Object Lock is not enabled"),
        ({"drop": ("object-lock",)}, "no Object Lock default retention"),
        (
            {"retention": {"mode": "GOVERNANCE", "years": 10}},
            "the default retention is GOVERNANCE for 10 years, not COMPLIANCE",
        ),
        (
            {"retention": {"mode": "COMPLIANCE", "years": 7}},
            "the default retention (COMPLIANCE for 7 years) is shorter than this stack's 10 years",
        ),
        (
            {"retention": {"mode": "COMPLIANCE", "days": 3649}},
            "(COMPLIANCE for 3649 days) is shorter than this stack's 10 years",
        ),
        (
            {"rules": [{"id": "tidy", "status": "Enabled", "expiration": {"days": 365}}]},
            "lifecycle rule 'tidy' expires records after 365 days, before the lock ends (3660",
        ),
        (
            {
                "rules": [
                    {
                        "id": "old-versions",
                        "status": "Enabled",
                        "noncurrentVersionExpiration": {"noncurrentDays": 30},
                    }
                ]
            },
            "lifecycle rule 'old-versions' expires records after 30 days",
        ),
        (
            {"rules": [{"id": "d", "status": "Enabled", "expiration": {"date": "2027-01-01"}}]},
            "lifecycle rule 'd' expires records on a date (2027-01-01)",
        ),
        (
            {
                "statements": (
                    DENY_DELETES,
                    {"Sid": "Ops", "Effect": "Allow", "Principal": "*", "Action": "s3:Delete*"},
                )
            },
            "bucket policy Ops allows deleting",
        ),
        (
            {"statements": ({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:*"},)},
            "bucket policy statement 1 allows deleting",
        ),
        (
            {
                "statements": (
                    {"Sid": "All", "Effect": "Allow", "Principal": "*", "NotAction": "s3:Get*"},
                )
            },
            "bucket policy All allows deleting",
        ),
    ],
)
def test_each_way_a_record_could_go_early_is_named(changes: dict[str, Any], expected: str) -> None:
    found = judged(archive(**changes))
    assert len(found) == 1, found
    assert found[0].startswith("audit bucket 'mcp-audit-archive': ")
    assert expected in found[0]


def test_a_disabled_rule_and_a_deny_naming_deletes_are_fine() -> None:
    disabled = {"id": "off", "status": "Disabled", "expiration": {"days": 1}}
    assert judged(archive(rules=[disabled])) == []


def test_the_floor_comes_from_the_stack_config() -> None:
    seven = archive(retention={"mode": "COMPLIANCE", "years": 7})
    assert judged(seven, {"minRetentionYears": 7}) == []
    assert stack_config("dev", "audit-bucket-locked") == {"minRetentionYears": 7}
    assert judged(seven, stack_config("dev", "audit-bucket-locked")) == []


def test_unknown_values_in_a_preview_are_not_guessed() -> None:
    bucket = resource(
        BUCKET, {"bucket": UNKNOWN, "objectLockEnabled": UNKNOWN}, name="mcp-audit-archive"
    )
    lock = resource(
        LOCK,
        {"bucket": UNKNOWN, "rule": UNKNOWN},
        name="mcp-audit-archive-object-lock",
        property_dependencies={"bucket": [bucket]},
    )
    policy = resource(
        POLICY,
        {"bucket": UNKNOWN, "policy": UNKNOWN},
        name="mcp-audit-archive-policy",
        property_dependencies={"bucket": [bucket]},
    )
    assert judged([bucket, lock, policy]) == []
