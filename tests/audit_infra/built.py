"""Hand-made AuditTrail args and the built component, shared by the render and moto tests."""

from __future__ import annotations

from typing import Any

from components.audit_retention import LockRetention
from components.audit_trail import AuditTrail, AuditTrailArgs
from policy.contract import (
    ENVIRONMENT,
    FLEET_SERVER,
    MANAGED_BY,
    OWNER,
    PART_OF,
    SERVER,
    SHARED_TENANT,
    SLO_P95_MS,
    SLO_SUCCESS_RATE,
    TENANT,
    TIER,
)
from tests.audit_infra.mocks import ACCOUNT, REGION, RecordingMocks, render

BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/audit-break-glass"
FLEET_TAGS = {
    ENVIRONMENT: "prod",
    SERVER: FLEET_SERVER,
    TENANT: SHARED_TENANT,
    OWNER: "platform",
    TIER: "tier-1",
    SLO_SUCCESS_RATE: "99.5",
    SLO_P95_MS: "500",
    MANAGED_BY: "pulumi",
    PART_OF: "mcp-fleet",
}
"""What ``components.labels.standard_tags`` gives fleet-wide resources (Platform passes it)."""
TAGS = FLEET_TAGS


def trail_args(**overrides: Any) -> AuditTrailArgs:
    values: dict[str, Any] = {
        "name_prefix": "mcp-fleet-prod",
        "region": REGION,
        "retention": LockRetention(years=7),
        "log_retention_days": 365,
        "tags": TAGS,
        "break_glass_role_arn": BREAK_GLASS,
    }
    values.update(overrides)
    return AuditTrailArgs(**values)


def build(args: AuditTrailArgs | None = None, account: str = ACCOUNT) -> RecordingMocks:
    chosen = args or trail_args()

    def program() -> None:
        AuditTrail("audit", chosen)

    return render(program, account)
