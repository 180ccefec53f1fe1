"""Who may do what to the audit archive, decided by the IAM evaluator over the rendered policies.

moto judges bucket policies without a request context (docs/audit.md), so the TLS denies,
the break-glass exception and the bucket-level denies are decided here instead, by
``tools/iam-simulate`` over the archive's rendered bucket policy and the writer's policy.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.audit_infra.built import BREAK_GLASS, build, trail_args
from tests.audit_infra.mocks import ACCOUNT, REGION, RecordingMocks
from tests.tenancy.iam_simulator import (
    ALLOWED,
    EXPLICITLY_DENIED,
    IMPLICITLY_DENIED,
    Request,
    decide,
)

WRITER = f"arn:aws:iam::{ACCOUNT}:role/audit-writer"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/administrator"
EVERYTHING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
TLS = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}
TRAIL = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/mcp-fleet-prod-audit"


class Archive:
    def __init__(self, mocks: RecordingMocks) -> None:
        self.bucket = f"arn:aws:s3:::{mocks.ids['audit-archive']}"
        policy = mocks.one("aws:s3/bucketPolicy:BucketPolicy", "audit-archive-policy")
        self.policy: dict[str, Any] = json.loads(policy["policy"])
        self.writer: dict[str, Any] = json.loads(mocks.one("aws:iam/policy:Policy")["policy"])

    def request(
        self,
        principal: str,
        action: str,
        key: str | None,
        *,
        context: dict[str, str | list[str]] | None = None,
    ) -> Request:
        identity = {"writer": self.writer} if principal == WRITER else {"admin": EVERYTHING}
        role_name = principal.rsplit("/", 1)[1]
        # What S3 sees for a role's session: the session as principal, the role as
        # aws:PrincipalArn (the evaluator does not derive that key itself).
        context = {**(TLS if context is None else context), "aws:PrincipalArn": principal}
        return Request(
            principal=f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/session",
            action=action,
            resource=f"{self.bucket}/{key}" if key else self.bucket,
            account=ACCOUNT,
            identity_policies=identity,
            resource_policy=self.policy,
            context=context,
        )


@pytest.fixture
def archive() -> Archive:
    return Archive(build())


RECORD = "audit/2026/11/26/000000000001-000000000004.jsonl.gz"
TRAIL_LOG = f"cloudtrail/AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/2026/11/26/x.json.gz"


def test_the_writer_appends_and_locks_but_never_deletes(archive: Archive) -> None:
    cases = {
        "put a record": (archive.request(WRITER, "s3:PutObject", RECORD), ALLOWED),
        "lock it": (archive.request(WRITER, "s3:PutObjectRetention", RECORD), ALLOWED),
        "read it back": (archive.request(WRITER, "s3:GetObject", RECORD), ALLOWED),
        "list versions": (archive.request(WRITER, "s3:ListBucketVersions", None), ALLOWED),
        "delete (marker)": (archive.request(WRITER, "s3:DeleteObject", RECORD), EXPLICITLY_DENIED),
        "delete a version": (
            archive.request(WRITER, "s3:DeleteObjectVersion", RECORD),
            EXPLICITLY_DENIED,
        ),
        "bypass governance": (
            archive.request(WRITER, "s3:BypassGovernanceRetention", RECORD),
            EXPLICITLY_DENIED,
        ),
        "write outside audit/": (
            archive.request(WRITER, "s3:PutObject", TRAIL_LOG),
            IMPLICITLY_DENIED,
        ),
    }
    decisions = decide([request for request, _ in cases.values()])
    assert dict(zip(cases, decisions, strict=True)) == {k: v for k, (_, v) in cases.items()}


def test_only_break_glass_changes_lock_or_lifecycle_and_no_one_deletes_but_it(
    archive: Archive,
) -> None:
    cases = {
        "admin deletes": (archive.request(ADMIN, "s3:DeleteObject", RECORD), EXPLICITLY_DENIED),
        "admin changes lifecycle": (
            archive.request(ADMIN, "s3:PutLifecycleConfiguration", None),
            EXPLICITLY_DENIED,
        ),
        "admin changes the lock": (
            archive.request(ADMIN, "s3:PutBucketObjectLockConfiguration", None),
            EXPLICITLY_DENIED,
        ),
        "admin reads": (archive.request(ADMIN, "s3:GetObject", RECORD), ALLOWED),
        "break-glass changes lifecycle": (
            archive.request(BREAK_GLASS, "s3:PutLifecycleConfiguration", None),
            ALLOWED,
        ),
        "break-glass deletes a marker": (
            archive.request(BREAK_GLASS, "s3:DeleteObject", RECORD),
            ALLOWED,
        ),
    }
    decisions = decide([request for request, _ in cases.values()])
    assert dict(zip(cases, decisions, strict=True)) == {k: v for k, (_, v) in cases.items()}


def test_plain_http_and_old_tls_are_refused_to_everyone(archive: Archive) -> None:
    cases = {
        "plain http": (
            archive.request(
                ADMIN, "s3:GetObject", RECORD, context={"aws:SecureTransport": "false"}
            ),
            EXPLICITLY_DENIED,
        ),
        "tls 1.1": (
            archive.request(
                ADMIN,
                "s3:GetObject",
                RECORD,
                context={"aws:SecureTransport": "true", "s3:TlsVersion": "1.1"},
            ),
            EXPLICITLY_DENIED,
        ),
        "tls 1.2": (
            archive.request(
                ADMIN,
                "s3:GetObject",
                RECORD,
                context={"aws:SecureTransport": "true", "s3:TlsVersion": "1.2"},
            ),
            ALLOWED,
        ),
    }
    decisions = decide([request for request, _ in cases.values()])
    assert dict(zip(cases, decisions, strict=True)) == {k: v for k, (_, v) in cases.items()}


def test_without_a_break_glass_role_nobody_changes_lifecycle() -> None:
    archive = Archive(build(trail_args(break_glass_role_arn=None)))
    requests = [
        archive.request(BREAK_GLASS, "s3:PutLifecycleConfiguration", None),
        archive.request(ADMIN, "s3:PutLifecycleConfiguration", None),
    ]
    assert decide(requests) == [EXPLICITLY_DENIED, EXPLICITLY_DENIED]


def cloudtrail_put(archive: Archive, key: str, trail: str, acl: str) -> Request:
    return Request(
        principal="cloudtrail.amazonaws.com",
        action="s3:PutObject",
        resource=f"{archive.bucket}/{key}",
        account=ACCOUNT,
        identity_policies={},
        resource_policy=archive.policy,
        context={**TLS, "aws:SourceArn": trail, "s3:x-amz-acl": acl},
    )


def test_cloudtrail_writes_only_this_trails_logs_under_its_prefix(archive: Archive) -> None:
    owner = "bucket-owner-full-control"
    other_trail = TRAIL.replace("mcp-fleet-prod-audit", "someone-elses")
    cases = {
        "this trail, its prefix": (cloudtrail_put(archive, TRAIL_LOG, TRAIL, owner), ALLOWED),
        "another trail": (
            cloudtrail_put(archive, TRAIL_LOG, other_trail, owner),
            IMPLICITLY_DENIED,
        ),
        "into audit/": (cloudtrail_put(archive, RECORD, TRAIL, owner), IMPLICITLY_DENIED),
        "without the owner ACL": (
            cloudtrail_put(archive, TRAIL_LOG, TRAIL, "private"),
            IMPLICITLY_DENIED,
        ),
    }
    decisions = decide([request for request, _ in cases.values()])
    assert dict(zip(cases, decisions, strict=True)) == {k: v for k, (_, v) in cases.items()}
