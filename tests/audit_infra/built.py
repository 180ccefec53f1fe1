"""Hand-made AuditTrail args and the built component, shared by the render and moto tests."""

from __future__ import annotations

from typing import Any

from components.audit_retention import LockRetention
from components.audit_trail import AuditTrail, AuditTrailArgs
from policy.contract import ENVIRONMENT, TENANT
from tests.audit_infra.mocks import ACCOUNT, REGION, RecordingMocks, render

BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/audit-break-glass"
TAGS = {ENVIRONMENT: "prod", TENANT: "shared"}


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
