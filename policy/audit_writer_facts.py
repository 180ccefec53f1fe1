"""Whether a principal that writes the audit archive could also delete from it or unlock it.

The archive's one writer (the sealing CronJob's role) needs ``s3:PutObject`` and
``s3:PutObjectRetention`` under the archive prefix and nothing that removes or unlocks a
record. The bucket policy already denies deletes to everyone but break-glass
(``audit_bucket_facts.delete_grants`` checks that); this is the second wall: an identity
policy that lets the writer delete is refused even though the bucket policy would stop it.

A grantee is an IAM role of the stack with every policy attached to it (managed, inline or
``RolePolicy``), or a managed policy attached to no role of the stack, judged alone. Its
documents are evaluated as IAM does for one request: an explicit Deny without conditions
wins, then any Allow. Conditional Denies are not counted (they may not apply). ``None``
anywhere a preview does not know a document or an ARN yet: the grantee is not judged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from pulumi_policy import PolicyResource

from .reads import get, is_unknown, items

ROLE = "aws:iam/role:Role"
MANAGED_POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
APPEND = "s3:PutObject"
REMOVING_ACTIONS = (
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:DeleteBucket",
    "s3:BypassGovernanceRetention",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutLifecycleConfiguration",
)
"""What removes a record or shortens how long the archive keeps it."""
PROBE_KEYS = ("audit/probe.jsonl.gz", "cloudtrail/probe.json.gz")


@dataclass
class Grantee:
    """A role (or a lone managed policy) and the named documents that apply to it."""

    label: str
    urn: str
    documents: list[tuple[str, Any]] = field(default_factory=list)


def grantees(resources: Iterable[PolicyResource]) -> list[Grantee]:
    """Every role of the stack with its documents, then every managed policy no role has."""
    listed = list(resources)
    managed = {
        str(get(r.props, "arn")): r
        for r in listed
        if r.resource_type == MANAGED_POLICY and isinstance(get(r.props, "arn"), str)
    }
    roles: dict[str, Grantee] = {}
    for role in (r for r in listed if r.resource_type == ROLE):
        found = Grantee(f"role {get(role.props, 'name') or role.name!r}", role.urn)
        for inline in items(get(role.props, "inlinePolicies")):
            found.documents.append((f"inline {get(inline, 'name')!r}", get(inline, "policy")))
        for key in (get(role.props, "name"), get(role.props, "id"), get(role.props, "arn")):
            if isinstance(key, str) and key:
                roles[key] = found
    attached: set[str] = set()
    for link in listed:
        target = roles.get(str(get(link.props, "role")))
        if link.resource_type == ROLE_POLICY and target is not None:
            target.documents.append((f"role policy {link.name!r}", get(link.props, "policy")))
        elif link.resource_type == ATTACHMENT and target is not None:
            arn = str(get(link.props, "policyArn"))
            if arn in managed:
                attached.add(arn)
                policy = managed[arn]
                target.documents.append((f"policy {policy.name!r}", get(policy.props, "policy")))
    unique = list({id(g): g for g in roles.values()}.values())
    lone = [
        Grantee(f"policy {p.name!r}", p.urn, [(f"policy {p.name!r}", get(p.props, "policy"))])
        for arn, p in managed.items()
        if arn not in attached
    ]
    return unique + lone


def removals(grantee: Grantee, archive_arns: list[str]) -> list[str] | None:
    """``action on resource (via document statement)`` for each removal a writer of the
    archive may make; empty for a non-writer or an append-only writer; None when unknown."""
    statements = _statements(grantee.documents)
    if statements is None:
        return None
    objects = [f"{arn}/{key}" for arn in archive_arns for key in PROBE_KEYS]
    if not any(_decide(statements, APPEND, target) for target in objects):
        return []
    found = []
    for action in REMOVING_ACTIONS:
        for target in [*archive_arns, *objects]:
            allowed_by = _decide(statements, action, target)
            if allowed_by:
                found.append(f"{action} on {target} ({allowed_by})")
                break
    return found


def _statements(documents: list[tuple[str, Any]]) -> list[tuple[str, Mapping[str, Any]]] | None:
    found: list[tuple[str, Mapping[str, Any]]] = []
    for label, document in documents:
        if document is None or is_unknown(document):
            return None
        parsed = json.loads(document) if isinstance(document, str) else document
        statements = get(parsed, "Statement", default=[])
        listed = [statements] if isinstance(statements, Mapping) else list(items(statements))
        for index, statement in enumerate(listed, start=1):
            found.append((f"{label} statement {get(statement, 'Sid') or index}", statement))
    return found


def _decide(statements: list[tuple[str, Mapping[str, Any]]], action: str, target: str) -> str:
    """The Allow that grants ``action`` on ``target``, or "" when none does or a Deny wins."""
    allowed = ""
    for label, statement in statements:
        if not _covers(statement, action, target):
            continue
        if get(statement, "Effect") == "Deny" and get(statement, "Condition") is None:
            return ""
        if get(statement, "Effect") == "Allow" and not allowed:
            allowed = label
    return allowed


def _covers(statement: Mapping[str, Any], action: str, target: str) -> bool:
    return _matches(statement, "Action", action.lower(), fold=True) and _matches(
        statement, "Resource", target, fold=False
    )


def _matches(statement: Mapping[str, Any], key: str, value: str, *, fold: bool) -> bool:
    """``Action``/``Resource`` lists it, or ``NotAction``/``NotResource`` leaves it out."""
    for name, inverted in ((key, False), (f"Not{key}", True)):
        patterns = get(statement, name)
        if patterns is None:
            continue
        listed = [patterns] if isinstance(patterns, str) else list(items(patterns))
        texts = [str(p).lower() if fold else str(p) for p in listed]
        hit = any(fnmatchcase(value, pattern) for pattern in texts)
        return hit != inverted
    return False
