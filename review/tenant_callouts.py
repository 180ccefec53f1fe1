"""Changes to a tenant's boundary or limits: its quota, limit range, network policies, budget.

A tenant's ResourceQuota, LimitRange and NetworkPolicies (in its namespace ``mcp-<tenant>``)
and its AWS Budgets budget (tagged for it) are what keeps one tenant from starving, reaching
or outspending another; the tenant's owner is told about any change before it merges, added,
changed or removed alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policy.contract import SHARED_TENANT, TENANT
from review.diff import ChangeKind, ResourceChange

TENANT_LIMITS = {
    "kubernetes:core/v1:ResourceQuota": "quota",
    "kubernetes:core/v1:LimitRange": "limit range",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": "network policy",
    "aws:budgets/budget:Budget": "budget",
}
BOOKKEEPING = ("metadata.labels", "metadata.annotations", "tags")
"""Labels and tags (an SLO tag, an owner) change no limit and open no path."""


def _tenant_of(record: Mapping[str, Any], type_token: str) -> str | None:
    inputs = record.get("inputs") or {}
    if type_token.startswith("kubernetes:"):
        namespace = (inputs.get("metadata") or {}).get("namespace")
        tenant = ((inputs.get("metadata") or {}).get("labels") or {}).get(TENANT)
        if not isinstance(namespace, str) or namespace != f"mcp-{tenant}":
            return None
    else:
        tenant = (inputs.get("tags") or {}).get(TENANT)
    return tenant if isinstance(tenant, str) and tenant != SHARED_TENANT else None


def tenant_limit_changes(change: ResourceChange) -> Iterator[tuple[str, str]]:
    """``(tenant, what changed)`` when the change touches a tenant's boundary or limits."""
    what = TENANT_LIMITS.get(change.type)
    record = change.after or change.before
    if what is None or record is None:
        return
    tenant = _tenant_of(record, change.type)
    if tenant is None:
        return
    if change.kind is ChangeKind.CHANGED:
        paths = [
            p.path
            for p in change.properties
            if not p.ignored and not p.path.startswith(BOOKKEEPING)
        ]
        if not paths:
            return
        detail = f"changed ({', '.join(f'`{path}`' for path in paths)})"
    else:
        detail = str(change.kind.value)
    yield tenant, f"tenant {tenant}'s {what} `{change.name}` is {detail}"
