"""``audit-bucket-locked`` (stack): nothing, and no one, may remove an audit record early.

The audit archive (issue 13, ``components/audit_trail.py``) must be created with Object Lock,
default retention in COMPLIANCE mode for at least the stack's configured years, carry no
lifecycle expiration that ends before the lock does, and have no bucket-policy statement
allowing a delete to any principal. The archive is found like the backup buckets: by a marker
in its resource name, bucket name or prefix, or a tag value, so an unlocked copy is judged too.

And its writers append only: a role of the stack (or a managed policy attached to none) that
may ``s3:PutObject`` into the archive must not also be able to delete from it, delete it, or
change its lock or lifecycle (``policy/audit_writer_facts.py``), whatever the bucket policy
says. The sealing CronJob's role carries the writer policy, which allows appending and
denies all of those explicitly.
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

from .. import audit_bucket_facts as audit
from .. import audit_writer_facts as writers
from .. import bucket_facts as facts_of
from ..reads import get, is_unknown
from ..rule_config import config_with_defaults
from .backup_bucket_hardened import backup_buckets

REQUIRED_MODE = "COMPLIANCE"

SCHEMA = PolicyConfigSchema(
    properties={
        "auditMarker": {
            "type": "string",
            "default": "audit-archive",
            "description": (
                "A bucket is the audit archive when its resource name, bucket name or prefix, "
                "or a tag value contains this text (case-insensitive)."
            ),
        },
        "minRetentionYears": {
            "type": "integer",
            "minimum": 1,
            "default": 7,
            "description": "The shortest COMPLIANCE default retention accepted, in years.",
        },
    }
)


def _lock_problems(facts: facts_of.BucketFacts, min_years: int) -> list[str]:
    if audit.bucket_locked(facts) is False:
        return [
            "Object Lock is not enabled (create the bucket with objectLockEnabled: true; it "
            "cannot be switched on later)"
        ]
    lock = audit.default_lock(facts)
    if lock is False:
        return [
            f"no Object Lock default retention (add a BucketObjectLockConfiguration, "
            f"{REQUIRED_MODE} for at least {min_years} years)"
        ]
    if not isinstance(lock, audit.Lock):
        return []
    found = []
    if lock.mode != REQUIRED_MODE:
        found.append(
            f"the default retention is {lock}, not {REQUIRED_MODE}: anyone with "
            "s3:BypassGovernanceRetention could delete records"
        )
    if lock.shortest_days < min_years * 365:
        found.append(
            f"the default retention ({lock}) is shorter than this stack's {min_years} years"
        )
    return found


def _lifecycle_problems(facts: facts_of.BucketFacts, min_years: int) -> list[str]:
    lock = audit.default_lock(facts)
    must_outlast = max(min_years * 366, lock.longest_days if isinstance(lock, audit.Lock) else 0)
    found = []
    for rule_id, when in audit.expirations(facts):
        if isinstance(when, str):
            found.append(
                f"lifecycle rule {rule_id!r} expires records on a date ({when}); expire by "
                f"days, at least {must_outlast}, or not at all"
            )
        elif isinstance(when, int) and when < must_outlast:
            found.append(
                f"lifecycle rule {rule_id!r} expires records after {when} days, before the "
                f"lock ends ({must_outlast} days); remove it or use at least {must_outlast}"
            )
    return found


def problems(facts: facts_of.BucketFacts, min_years: int) -> list[str]:
    """What lets a record go early, each with the fix."""
    found = [*_lock_problems(facts, min_years), *_lifecycle_problems(facts, min_years)]
    for statement in audit.delete_grants(facts) or []:
        found.append(
            f"bucket policy {statement} allows deleting; remove the grant (only Deny "
            "statements may name delete actions)"
        )
    return found


def archive_arns(bucket: PolicyResource) -> list[str]:
    """The archive's ARN as identity policies name it (known names only)."""
    names = {get(bucket.props, key) for key in ("arn", "bucket", "id")}
    known = {n for n in names if isinstance(n, str) and n and not is_unknown(n)}
    return sorted({n if n.startswith("arn:") else f"arn:aws:s3:::{n}" for n in known})


def _check(args: StackValidationArgs, report: ReportViolation) -> None:
    config = config_with_defaults(args, SCHEMA)
    marker = str(config.get("auditMarker") or "audit-archive")
    min_years = int(config.get("minRetentionYears") or 7)
    resources = list(args.resources)
    grantees = writers.grantees(resources)
    for facts in backup_buckets(resources, marker):
        name = facts.bucket.name
        for problem in problems(facts, min_years):
            report(f"audit bucket {name!r}: {problem}", facts.bucket.urn)
        arns = archive_arns(facts.bucket)
        for grantee in grantees if arns else []:
            for removal in writers.removals(grantee, arns) or []:
                report(
                    f"audit bucket {name!r}: {grantee.label} writes the archive and may "
                    f"also {removal}; an audit writer may only append: remove that grant "
                    "or deny it explicitly (components/audit_writer_policy.py does)",
                    grantee.urn,
                )


audit_bucket_locked = StackValidationPolicy(
    name="audit-bucket-locked",
    description=(
        "The audit archive is under Object Lock in COMPLIANCE mode for at least the stack's "
        "retention, no lifecycle rule expires records before the lock ends, no bucket "
        "policy statement allows a delete, and no role that writes it may delete or unlock."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Create the archive through components.audit_trail.AuditTrail from the stack's audit "
        "settings (Platform does), and keep delete actions out of every Allow statement."
    ),
)
