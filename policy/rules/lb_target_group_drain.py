"""``lb-target-group-drain``: target groups deregister within the fleet's drain time.

The ALB has one target group, the gateway's (``traffic-via-gateway``): its pods pause in
preStop for the drain time, so a longer deregistration delay would keep sending requests to a
gateway pod after it stopped, and an unset one makes every gateway rollout wait AWS's 300 s.
"""

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
            "description": (
                "Largest deregistration delay: the fleet's drain time, which the gateway "
                "pods' preStop pause waits."
            ),
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
            f"deregistrationDelay is {seconds:g} s; the fleet drains in at most {limit:g} s",
            None,
        )


lb_target_group_drain = ResourceValidationPolicy(
    name="lb-target-group-drain",
    description=("Target groups (the gateway's) deregister targets within the fleet's drain time."),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.MEDIUM,
)
