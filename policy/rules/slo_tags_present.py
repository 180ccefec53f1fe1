"""``slo-tags-present``: every resource says whose it is and what it promises."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from .. import contract
from ..reads import as_number, is_unknown
from ..rule_config import config_with_defaults
from ..slo_declared import identity

TIERS = ("tier-1", "tier-2", "tier-3")

SCHEMA = PolicyConfigSchema(
    properties={
        "stage": {
            "type": "string",
            "enum": ["", *contract.STAGES],
            "default": "",
            "description": "This stack's stage; when set, mcp-fleet.io/environment must equal it.",
        },
    }
)


def _check_values(labels: dict[str, Any], stage: Any, report: ReportViolation) -> None:
    def known(key: str) -> Any:
        value = labels.get(key)
        return None if is_unknown(value) or value in (None, "") else value

    success = known(contract.SLO_SUCCESS_RATE)
    if success is not None:
        number = as_number(success)
        if number is None or not 0 < number < 100:
            report(f"{contract.SLO_SUCCESS_RATE}={success!r} is not a percentage below 100", None)
    p95 = known(contract.SLO_P95_MS)
    if p95 is not None:
        number = as_number(p95)
        if number is None or number <= 0 or number != int(number):
            report(f"{contract.SLO_P95_MS}={p95!r} is not a whole number of milliseconds", None)
    tier = known(contract.TIER)
    if tier is not None and tier not in TIERS:
        report(f"{contract.TIER}={tier!r} is not one of {', '.join(TIERS)}", None)
    environment = known(contract.ENVIRONMENT)
    if environment is not None and environment not in contract.STAGES:
        report(
            f"{contract.ENVIRONMENT}={environment!r} is not one of {', '.join(contract.STAGES)}",
            None,
        )
    elif environment is not None and stage and environment != stage:
        report(f"{contract.ENVIRONMENT}={environment!r} but this stack is {stage!r}", None)


def _check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    labels = identity(args.resource_type, args.props, args.provider)
    if labels is None:
        return
    config = config_with_defaults(args, SCHEMA)
    what = "label" if args.resource_type.startswith("kubernetes:") else "tag"
    missing = [
        key
        for key in contract.REQUIRED_KEYS
        if not is_unknown(labels.get(key)) and not str(labels.get(key) or "").strip()
    ]
    if missing:
        report(
            f"missing {what}s: {', '.join(missing)}; build them with components/labels.py "
            "(standard_tags / kubernetes_labels)",
            None,
        )
    _check_values(labels, config.get("stage"), report)


slo_tags_present = ResourceValidationPolicy(
    name="slo-tags-present",
    description=(
        "Every taggable AWS resource and every Kubernetes workload object carries the standard "
        "tags/labels: environment, server, tenant, owner, tier and its SLO targets."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Pass tags=standard_tags(settings, server) (AWS) or "
        "labels=kubernetes_labels(settings, server) (Kubernetes) from components/labels.py."
    ),
)
