"""``lb-hardened``: load balancers write access logs and, where required, refuse deletion."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from ..reads import get, is_unknown
from ..resource_types import LOAD_BALANCER, both_modules
from ..rule_config import config_with_defaults

LOAD_BALANCER_TYPES = both_modules(LOAD_BALANCER)

SCHEMA = PolicyConfigSchema(
    properties={
        "requireDeletionProtection": {
            "type": "boolean",
            "default": True,
            "description": "Require enableDeletionProtection (staging, prod).",
        },
    }
)


def _check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in LOAD_BALANCER_TYPES:
        return
    config = config_with_defaults(args, SCHEMA)
    logs = get(args.props, "accessLogs")
    if not is_unknown(logs):
        enabled, bucket = get(logs, "enabled"), get(logs, "bucket")
        if not is_unknown(enabled) and (enabled is not True or (bucket is None)):
            report("access logs are not enabled (accessLogs.enabled with a bucket)", None)
    protection = get(args.props, "enableDeletionProtection")
    if (
        config.get("requireDeletionProtection")
        and not is_unknown(protection)
        and protection is not True
    ):
        report("deletion protection is off (enableDeletionProtection: true)", None)


lb_hardened = ResourceValidationPolicy(
    name="lb-hardened",
    description="Load balancers write access logs and, where the stage requires, refuse deletion.",
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.MEDIUM,
)
