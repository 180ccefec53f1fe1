"""``catalog-stage-promoted``: a server runs in a stage only once its entry is promoted to it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from .. import kubernetes_views as k8s
from ..catalog_evidence import catalog_evidence
from ..contract import ENVIRONMENT, STAGES
from ..resource_types import DEPLOYMENT
from ..rule_config import config_with_defaults
from ..trust import TRUST_SCHEMA

SCHEMA = PolicyConfigSchema(
    properties={
        **TRUST_SCHEMA,
        "stage": {
            "type": "string",
            "enum": ["", *STAGES],
            "default": "",
            "description": (
                "This stack's stage. Set it: when empty the resource's own "
                "mcp-fleet.io/environment label is used, which a resource could fake."
            ),
        },
    }
)


def stage_for(config: Mapping[str, Any], labels: Mapping[str, Any]) -> tuple[str, str]:
    """The stage to judge by and where it came from; config first, the label as fallback."""
    configured = config.get("stage")
    if isinstance(configured, str) and configured:
        return configured, "policy config"
    label = labels.get(ENVIRONMENT)
    if isinstance(label, str) and label:
        return label, f"label {ENVIRONMENT}"
    return "", ""


def _check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != DEPLOYMENT:
        return
    config = config_with_defaults(args, SCHEMA)
    labels = k8s.labels_of(args.props)
    stage, source = stage_for(config, labels)
    label = labels.get(ENVIRONMENT)
    if source == "policy config" and isinstance(label, str) and label and label != stage:
        report(
            f"the Deployment is labelled {ENVIRONMENT}={label!r} but this stack is {stage!r}", None
        )
    evidence = catalog_evidence(args.props, config)
    if evidence.reason == "unknown":
        return
    if not evidence.verified:
        report(
            f"promotion can't be confirmed without a verified catalog entry: {evidence.problem}",
            None,
        )
        return
    entry = evidence.entry or {}
    if not stage:
        report(
            f"this stack's stage is unknown: set `stage` in the policy config (or the "
            f"{ENVIRONMENT} label)",
            None,
        )
        return
    stages = [str(item) for item in entry.get("stages") or []]
    if stage not in stages:
        promoted = ", ".join(stages) or "no stage"
        report(
            f"catalog entry {entry.get('name')!r} {entry.get('version')!r} is promoted to "
            f"{promoted}, not {stage} ({source}); promote it by adding {stage!r} to its "
            "stages and re-signing",
            None,
        )


catalog_stage_promoted = ResourceValidationPolicy(
    name="catalog-stage-promoted",
    description="A server runs in a stage only after its signed catalog entry is promoted to it.",
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.HIGH,
    remediation_steps=(
        "Add the stage to `stages` in catalog/servers/NAME.yaml (dev -> staging -> prod) and "
        "have an approver re-sign the entry."
    ),
)
