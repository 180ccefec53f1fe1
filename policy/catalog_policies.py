"""Catalog policies: every server runs an approved, signed, promoted, scanned catalog entry.

They judge a Deployment only by what it carries: the ``mcp-fleet.io/catalog-entry`` and
``mcp-fleet.io/catalog-signature`` annotations (the entry as signed and its approval
signature), its labels and its containers' images. The signature is checked against the
keys the *policy config* trusts, so a resource can't vouch for itself.
"""

from __future__ import annotations

import re
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

try:
    from . import resource_views as views
    from . import signatures
except ImportError:  # run by the Pulumi CLI: the pack directory itself is on sys.path
    import resource_views as views  # type: ignore[no-redef]
    import signatures  # type: ignore[no-redef]

DIGEST_PINNED = re.compile(r"^[^@\s]+@sha256:[0-9a-f]{64}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
SEVERITIES = ("critical", "high", "medium", "low")


def _evidence(args: ResourceValidationArgs, config: Mapping[str, Any]) -> views.CatalogEvidence:
    return views.catalog_evidence(args.props, config)


# --- catalog-approved-image -------------------------------------------------------------------

APPROVED_IMAGE_SCHEMA = PolicyConfigSchema(properties={**views.TRUST_SCHEMA})


def _check_approved_image(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != views.DEPLOYMENT:
        return
    config = views.config_with_defaults(args, APPROVED_IMAGE_SCHEMA)
    evidence = _evidence(args, config)
    if not evidence.verified and evidence.reason != "unknown":
        report(f"Deployment {views.name_of(args.props, args.name)!r}: {evidence.problem}", None)

    entry = evidence.entry or {}
    signed_image = entry.get("image")
    pod_spec = views.pod_spec_of(args.resource_type, args.props)
    for container in views.containers_of(pod_spec):
        image = container.image
        if views.is_unknown(image):
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

    if evidence.verified:
        tenant = views.labels_of(args.props).get(views.TENANT)
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
    validate=_check_approved_image,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=APPROVED_IMAGE_SCHEMA,
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Deploy servers from catalog/servers through McpServer, sign the entry with "
        "`python -m ops catalog sign --key KEY catalog/servers/NAME.yaml`, and trust the "
        "approver's key id in policy/config/STACK.json."
    ),
)


# --- catalog-stage-promoted -------------------------------------------------------------------

STAGE_SCHEMA = PolicyConfigSchema(
    properties={
        **views.TRUST_SCHEMA,
        "stage": {
            "type": "string",
            "enum": ["", *views.STAGES],
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
    label = labels.get(views.ENVIRONMENT)
    if isinstance(label, str) and label:
        return label, f"label {views.ENVIRONMENT}"
    return "", ""


def _check_stage_promoted(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != views.DEPLOYMENT:
        return
    config = views.config_with_defaults(args, STAGE_SCHEMA)
    labels = views.labels_of(args.props)
    stage, source = stage_for(config, labels)
    label = labels.get(views.ENVIRONMENT)
    if source == "policy config" and isinstance(label, str) and label and label != stage:
        report(
            f"the Deployment is labelled {views.ENVIRONMENT}={label!r} but this stack is {stage!r}",
            None,
        )
    evidence = _evidence(args, config)
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
            f"{views.ENVIRONMENT} label)",
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
    validate=_check_stage_promoted,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=STAGE_SCHEMA,
    severity=Severity.HIGH,
    remediation_steps=(
        "Add the stage to `stages` in catalog/servers/NAME.yaml (dev -> staging -> prod) and "
        "have an approver re-sign the entry."
    ),
)


# --- catalog-supply-chain ---------------------------------------------------------------------

SUPPLY_CHAIN_SCHEMA = PolicyConfigSchema(
    properties={
        **views.TRUST_SCHEMA,
        "maxScanAgeDays": {
            "type": "integer",
            "minimum": 0,
            "default": 30,
            "description": "Oldest vulnerability scan accepted, in days.",
        },
        "maxFindings": {
            "type": "object",
            "properties": {severity: {"type": "integer", "minimum": 0} for severity in SEVERITIES},
            "additionalProperties": False,
            "default": {"critical": 0},
            "description": "Most findings accepted per severity; a severity left out is unlimited.",
        },
        "now": {
            "type": "string",
            "default": "",
            "description": "ISO date to judge scan age at (reviews, tests); empty means today.",
        },
        "requireImageSignature": {
            "type": "boolean",
            "default": False,
            "description": "Require a valid cosign image signature by a trusted publisher.",
        },
        "trustedPublisherKeyIds": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
            "default": [],
            "description": "Publisher key ids trusted for image signatures.",
        },
        "publisherKeysDir": {
            "type": "string",
            "default": "../catalog/keys/publishers",
            "description": "Directory of publisher public keys, relative to the policy pack.",
        },
        "trustedPublisherKeys": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "default": {},
            "description": "More trusted publisher keys inline: {key id: PEM public key}.",
        },
    }
)


def _check_artifact(entry: Mapping[str, Any], field: str, report: ReportViolation) -> None:
    artifact = entry.get(field)
    uri = artifact.get("uri") if isinstance(artifact, Mapping) else None
    digest = artifact.get("sha256") if isinstance(artifact, Mapping) else None
    if not isinstance(uri, str) or not uri:
        report(f"catalog entry {entry.get('name')!r} has no {field} (uri and sha256)", None)
    elif not isinstance(digest, str) or not SHA256.match(digest):
        report(
            f"catalog entry {entry.get('name')!r}: {field}.sha256 is not a sha256 hex digest", None
        )


def _check_scan(
    entry: Mapping[str, Any], config: Mapping[str, Any], report: ReportViolation
) -> None:
    name = entry.get("name")
    scan = entry.get("scan")
    if not isinstance(scan, Mapping):
        report(f"catalog entry {name!r} has no vulnerability scan", None)
        return
    scanned = views.parse_date(scan.get("date"))
    today = views.today(config)
    max_age = int(views.as_number(config.get("maxScanAgeDays")) or 0)
    if scanned is None:
        report(f"catalog entry {name!r}: scan.date is not an ISO date", None)
    elif scanned > today:
        report(f"catalog entry {name!r}: scan is dated {scanned}, after today ({today})", None)
    elif (today - scanned).days > max_age:
        report(
            f"catalog entry {name!r}: the vulnerability scan of {scanned} is "
            f"{(today - scanned).days} days old (at most {max_age}); rescan the image, "
            "update scan in the entry and re-sign",
            None,
        )
    limits = config.get("maxFindings") or {}
    for severity in SEVERITIES:
        limit = views.as_number(limits.get(severity)) if isinstance(limits, Mapping) else None
        found = views.as_number(scan.get(severity))
        if found is None:
            report(f"catalog entry {name!r}: scan.{severity} is missing", None)
        elif limit is not None and found > limit:
            report(
                f"catalog entry {name!r}: the scan found {int(found)} {severity} "
                f"vulnerabilities (at most {int(limit)} allowed)",
                None,
            )


def _check_image_signature(
    entry: Mapping[str, Any], config: Mapping[str, Any], report: ReportViolation
) -> None:
    required = bool(config.get("requireImageSignature"))
    image_signature = entry.get(signatures.IMAGE_SIGNATURE_FIELD)
    if image_signature is None and not required:
        return
    try:
        publishers = views.key_ring(
            config,
            ids="trustedPublisherKeyIds",
            directory="publisherKeysDir",
            inline="trustedPublisherKeys",
        )
    except views.TrustConfigError as error:
        report(str(error), None)
        return
    try:
        signatures.verify_image_signature(str(entry.get("image")), image_signature, publishers)
    except signatures.UnsignedError:
        report(
            f"catalog entry {entry.get('name')!r} has no image signature, which this stack "
            "requires; the publisher signs with `python -m ops catalog sign-image`",
            None,
        )
    except signatures.UntrustedKeyError as error:
        if required:  # not required: a publisher this stack doesn't know claims nothing here
            report(f"catalog entry {entry.get('name')!r}: image signature: {error}", None)
    except signatures.SignatureProblem as error:
        report(f"catalog entry {entry.get('name')!r}: image signature: {error}", None)


def _check_supply_chain(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != views.DEPLOYMENT:
        return
    config = views.config_with_defaults(args, SUPPLY_CHAIN_SCHEMA)
    evidence = _evidence(args, config)
    if evidence.reason == "unknown":
        return
    if not evidence.verified:
        report(
            f"supply chain can't be checked without a verified catalog entry: {evidence.problem}",
            None,
        )
        return
    entry = evidence.entry or {}
    _check_scan(entry, config, report)
    _check_artifact(entry, "sbom", report)
    _check_artifact(entry, "provenance", report)
    _check_image_signature(entry, config, report)


catalog_supply_chain = ResourceValidationPolicy(
    name="catalog-supply-chain",
    description=(
        "A server's signed catalog entry has a recent vulnerability scan within the allowed "
        "findings, an SBOM and provenance, and a valid image signature where required."
    ),
    validate=_check_supply_chain,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SUPPLY_CHAIN_SCHEMA,
    severity=Severity.HIGH,
    remediation_steps=(
        "Rescan the image, record the scan, SBOM and provenance in the catalog entry, have "
        "the publisher sign the image (`ops catalog sign-image`) and an approver re-sign."
    ),
)


POLICIES = [catalog_approved_image, catalog_stage_promoted, catalog_supply_chain]
