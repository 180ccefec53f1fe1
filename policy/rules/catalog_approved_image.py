"""``catalog-approved-image``: a server runs only its signed catalog entry's image."""

from __future__ import annotations

import re

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from .. import kubernetes_views as k8s
from ..catalog_evidence import CatalogEvidence, catalog_evidence
from ..contract import TENANT
from ..reads import is_unknown
from ..resource_types import DEPLOYMENT
from ..rule_config import config_with_defaults
from ..trust import TRUST_SCHEMA

DIGEST_PINNED = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")

SCHEMA = PolicyConfigSchema(properties={**TRUST_SCHEMA})


def _check_images(
    args: ResourceValidationArgs, evidence: CatalogEvidence, report: ReportViolation
) -> None:
    entry = evidence.entry or {}
    signed_image = entry.get("image")
    for container in k8s.containers_of(k8s.pod_spec_of(args.resource_type, args.props)):
        image = container.image
        if is_unknown(image):
            continue
        if not isinstance(image, str) or not image:
            report(f"{container.label} names no image", None)
        elif not DIGEST_PINNED.match(image):
            report(
                f"{container.label} runs {image!r} by tag; pin it by digest "
                "(REPO@sha256:<64 hex>) as the signed catalog entry does",
                None,
            )
        elif evidence.verified and image != signed_image:
            report(
                f"{container.label} runs {image!r}, which is not the image of signed catalog "
                f"entry {entry.get('name')!r} {entry.get('version')!r} ({signed_image!r}); "
                "only catalog images may run",
                None,
            )


def _check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != DEPLOYMENT:
        return
    evidence = catalog_evidence(args.props, config_with_defaults(args, SCHEMA))
    if not evidence.verified and evidence.reason != "unknown":
        report(f"Deployment {k8s.name_of(args.props, args.name)!r}: {evidence.problem}", None)
    _check_images(args, evidence, report)
    if evidence.verified:
        entry = evidence.entry or {}
        tenant = k8s.labels_of(args.props).get(TENANT)
        tenants = entry.get("tenants") or []
        if isinstance(tenant, str) and tenant and tenant not in tenants:
            report(
                f"tenant {tenant!r} is not one the signed entry {entry.get('name')!r} is "
                f"approved for ({', '.join(map(str, tenants))})",
                None,
            )


catalog_approved_image = ResourceValidationPolicy(
    name="catalog-approved-image",
    description=(
        "Every server Deployment carries a catalog entry signed by a key this stack trusts "
        "and runs only that entry's image, pinned by digest, for a tenant the entry allows."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Deploy servers from catalog/servers through McpServer, sign the entry with "
        "`python -m ops catalog sign --key KEY catalog/servers/NAME.yaml`, and trust the "
        "approver's key id in policy/config/STACK.json."
    ),
)
