"""``lb-target-group-drain``: target groups deregister within the fleet's drain time."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from ..reads import as_number, get, is_unknown
from ..resource_types import TARGET_GROUP, both_modules
from ..rule_config import config_with_defaults

TARGET_GROUP_TYPES = both_modules(TARGET_GROUP)

SCHEMA = PolicyConfigSchema(
    properties={
        "maxDrainSeconds": {
            "type": "integer",
            "minimum": 0,
            "default": 30,
            "description": "Largest deregistration delay: the fleet's connection drain time.",
        },
    }
)


def _check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in TARGET_GROUP_TYPES:
        return
    config = config_with_defaults(args, SCHEMA)
    delay = get(args.props, "deregistrationDelay")
    if is_unknown(delay):
        return
    limit = as_number(config.get("maxDrainSeconds")) or 0
    seconds = as_number(delay)
    if seconds is None:
        report(
            f"deregistrationDelay is not set (AWS then waits 300 s); set it to at most {limit:g} s",
            None,
        )
    elif seconds > limit:
        report(
            f"deregistrationDelay is {seconds:g} s; the fleet drains in at most {limit:g} s", None
        )


lb_target_group_drain = ResourceValidationPolicy(
    name="lb-target-group-drain",
    description="Target groups deregister targets within the fleet's drain time.",
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.MEDIUM,
)
