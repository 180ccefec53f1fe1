"""audit-bucket-locked, second wall: a role that writes the archive may only append.

The archive (``test_audit_bucket_locked.archive``) plus IAM resources shaped as Pulumi
declares them: the writer policy as AuditTrail renders it, attached to the sealer's role, and
one change each.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy import PolicyResource

from tests.policy.harness import UNKNOWN, resource
from tests.policy.rules.test_audit_bucket_locked import NAME, archive, judged

ARCHIVE = f"arn:aws:s3:::{NAME}"
POLICY_ARN = "arn:aws:iam::111122223333:policy/mcp-fleet-prod-audit-writer"
ROLE_NAME = "mcp-fleet-prod-audit-sealer"
APPEND = {
    "Sid": "AppendToArchive",
    "Effect": "Allow",
    "Action": ["s3:PutObject", "s3:PutObjectRetention", "s3:GetObject"],
    "Resource": f"{ARCHIVE}/audit/*",
}
NEVER_DELETE = {
    "Sid": "NeverDeleteOrUnlock",
    "Effect": "Deny",
    "Action": [
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:BypassGovernanceRetention",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutLifecycleConfiguration",
    ],
    "Resource": [ARCHIVE, f"{ARCHIVE}/*"],
}
DELETE_RECORDS = {
    "Sid": "Tidy",
    "Effect": "Allow",
    "Action": "s3:DeleteObject",
    "Resource": f"{ARCHIVE}/audit/*",
}


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def sealer(
    writer: tuple[dict[str, Any], ...] = (APPEND, NEVER_DELETE),
    extra: dict[str, Any] | None = None,
    attached: bool = True,
) -> list[PolicyResource]:
    """The writer policy, the sealer's role, its attachment, and an optional inline policy."""
    found = [
        resource(
            "aws:iam/policy:Policy",
            {"arn": POLICY_ARN, "policy": document(*writer)},
            name="mcp-audit-writer",
        ),
        resource("aws:iam/role:Role", {"name": ROLE_NAME}, name="mcp-audit-sealer-role"),
    ]
    if attached:
        found.append(
            resource(
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                {"role": ROLE_NAME, "policyArn": POLICY_ARN},
                name="mcp-audit-sealer-writer",
            )
        )
    if extra is not None:
        found.append(
            resource(
                "aws:iam/rolePolicy:RolePolicy",
                {"role": ROLE_NAME, "policy": document(extra)},
                name="mcp-audit-sealer-extra",
            )
        )
    return found


def test_the_sealer_with_the_writer_policy_passes() -> None:
    assert judged(archive() + sealer()) == []


def test_a_grant_the_writers_deny_overrules_passes() -> None:
    assert judged(archive() + sealer(extra=DELETE_RECORDS)) == []


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        (
            sealer(writer=(APPEND, DELETE_RECORDS)),
            f"role '{ROLE_NAME}' writes the archive and may also s3:DeleteObject on "
            f"{ARCHIVE}/audit/probe.jsonl.gz (policy 'mcp-audit-writer' statement Tidy)",
        ),
        (
            sealer(writer=(APPEND,), extra=DELETE_RECORDS),
            f"role '{ROLE_NAME}' writes the archive and may also s3:DeleteObject on "
            f"{ARCHIVE}/audit/probe.jsonl.gz (role policy 'mcp-audit-sealer-extra' statement",
        ),
        (
            sealer(writer=({**APPEND, "Action": "s3:*"},)),
            "may also s3:DeleteObjectVersion on",
        ),
        (
            sealer(
                writer=(APPEND,),
                extra={"Effect": "Allow", "Action": "s3:Put*", "Resource": ARCHIVE},
            ),
            f"may also s3:PutLifecycleConfiguration on {ARCHIVE} (",
        ),
        (
            sealer(writer=(APPEND, DELETE_RECORDS), attached=False),
            "policy 'mcp-audit-writer' writes the archive and may also s3:DeleteObject",
        ),
    ],
    ids=["in the writer policy", "inline beside it", "s3:*", "lifecycle", "unattached policy"],
)
def test_a_writer_that_could_delete_or_unlock_fails(
    resources: list[PolicyResource], expected: str
) -> None:
    found = judged(archive() + resources)
    assert any(expected in message for message in found), found
    assert all("an audit writer may only append" in message for message in found)


def test_a_role_that_cannot_write_the_archive_is_not_judged_here() -> None:
    reader = {"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::other/*"}
    assert judged(archive() + sealer(writer=(reader,))) == []


def test_an_unknown_document_is_not_judged_yet() -> None:
    unknown = resource(
        "aws:iam/policy:Policy", {"arn": POLICY_ARN, "policy": UNKNOWN}, name="mcp-audit-writer"
    )
    assert judged([*archive(), unknown]) == []
