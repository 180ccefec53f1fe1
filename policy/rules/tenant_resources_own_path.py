"""``tenant-resources-own-path``: a tenant's role, secret or log group names only its own tenant.

Each AWS resource tagged for a tenant is judged alone against the tenant in its tag: a secret
lives under ``/<stack>/<tenant>/``, a log group is ``.../tenant/<tenant>``, and an IAM role
trusts only ServiceAccounts of the namespace ``mcp-<tenant>``. A resource tagged for tenant A
that names tenant B's path would hand B's secrets, logs or pods to A (or A's to B).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from ..aws_views import tags_of
from ..contract import SHARED_TENANT, TENANT
from ..reads import get, is_unknown

SECRET = "aws:secretsmanager/secret:Secret"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
SERVICE_ACCOUNT_SUBJECT = re.compile(r"system:serviceaccount:mcp-([a-z0-9-]+):")


def _secret_problem(tenant: str, name: Any) -> str | None:
    parts = name.split("/") if isinstance(name, str) else []
    if len(parts) < 3 or parts[0] != "" or parts[2] != tenant:
        return f"secret {name!r} is not under /<stack>/{tenant}/, the path of its tenant"
    return None


def _log_group_problem(tenant: str, name: Any) -> str | None:
    if not isinstance(name, str) or "/tenant/" not in name or name.endswith(f"/tenant/{tenant}"):
        return None
    return f"log group {name!r} is another tenant's; {tenant!r}'s ends in /tenant/{tenant}"


def _role_problem(tenant: str, trust: Any) -> str | None:
    text = trust if isinstance(trust, str) else json.dumps(trust)
    others = sorted(set(SERVICE_ACCOUNT_SUBJECT.findall(text)) - {tenant})
    if others:
        return (
            f"role trusts ServiceAccounts of {', '.join(f'mcp-{o}' for o in others)}; a role "
            f"of tenant {tenant!r} trusts only mcp-{tenant}"
        )
    return None


def _check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    checks = {
        SECRET: (_secret_problem, "name"),
        LOG_GROUP: (_log_group_problem, "name"),
        ROLE: (_role_problem, "assumeRolePolicy"),
    }
    if args.resource_type not in checks:
        return
    tenant = tags_of(args.props, args.provider).get(TENANT)
    if not isinstance(tenant, str) or is_unknown(tenant) or tenant == SHARED_TENANT:
        return
    problem_of, key = checks[args.resource_type]
    value = get(args.props, key)
    if value is None or is_unknown(value):
        return
    problem = problem_of(tenant, value)
    if problem:
        report(f"{args.name} (tenant {tenant!r}): {problem}", None)


tenant_resources_own_path = ResourceValidationPolicy(
    name="tenant-resources-own-path",
    description=(
        "No IAM role, secret or log group tagged for one tenant names another tenant's "
        "path, log group or namespace."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={}),
)
