"""``catalog-supply-chain``: a recent scan within the allowed findings, SBOM, provenance, signature.

Scan age is judged as of today (or the config's ``now``). An entry approved by one of the
config's ``exampleKeyIds`` whose own public key declares it an EXAMPLE key is judged as of
the day it was signed instead, so the project's example catalog keeps demonstrating a
passing review on any date; see docs/governance.md for why that weakens nothing real.
"""

from __future__ import annotations

import datetime as dt
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

from .. import signatures
from ..catalog_evidence import CatalogEvidence, catalog_evidence
from ..reads import as_number, parse_date
from ..resource_types import DEPLOYMENT
from ..rule_config import NOW_SCHEMA, config_with_defaults, today
from ..trust import PUBLISHER_TRUST_SCHEMA, TRUST_SCHEMA, TrustConfigError, publisher_keys

SHA256 = re.compile(r"^[0-9a-f]{64}$")
SEVERITIES = ("critical", "high", "medium", "low")
EXAMPLE_MARK = "EXAMPLE KEY"
"""What an example key's own PEM says of its holder (``Approver: ... EXAMPLE KEY ...``)."""

SCHEMA = PolicyConfigSchema(
    properties={
        **TRUST_SCHEMA,
        **PUBLISHER_TRUST_SCHEMA,
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
        "now": NOW_SCHEMA,
        "requireImageSignature": {
            "type": "boolean",
            "default": False,
            "description": "Require a valid cosign image signature by a trusted publisher.",
        },
        "exampleKeyIds": {
            "type": "array",
            "items": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
            "default": [],
            "description": (
                "Approver keys of the project's EXAMPLE catalog: an entry one of them approved "
                "(and whose PEM names it an EXAMPLE key) has its scan age judged as of the day "
                "it was signed. Never list a real approver's key."
            ),
        },
    }
)


def scan_as_of(evidence: CatalogEvidence, config: Mapping[str, Any]) -> tuple[dt.date, str]:
    """The day to judge scan age at, and a note when it is an example's signing day."""
    current = today(config)
    approver = evidence.approver
    example_ids = [str(item) for item in config.get("exampleKeyIds") or []]
    if approver is None or approver.key_id not in example_ids:
        return current, ""
    if EXAMPLE_MARK not in approver.holder.upper():
        return current, ""
    signed = parse_date(evidence.signed_at)
    if signed is None or signed >= current:
        return current, ""
    return signed, f" (an example entry, judged as of the day it was signed, {signed})"


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


def _check_scan_age(
    name: Any, scan: Mapping[str, Any], as_of: tuple[dt.date, str], max_age: int, report: Any
) -> None:
    day, note = as_of
    scanned = parse_date(scan.get("date"))
    if scanned is None:
        report(f"catalog entry {name!r}: scan.date is not an ISO date", None)
    elif scanned > day:
        report(f"catalog entry {name!r}: scan is dated {scanned}, after today ({day}){note}", None)
    elif (day - scanned).days > max_age:
        report(
            f"catalog entry {name!r}: the vulnerability scan of {scanned} is "
            f"{(day - scanned).days} days old (at most {max_age}){note}; rescan the image, "
            "update scan in the entry and re-sign",
            None,
        )


def _check_scan(
    evidence: CatalogEvidence, config: Mapping[str, Any], report: ReportViolation
) -> None:
    entry = evidence.entry or {}
    name = entry.get("name")
    scan = entry.get("scan")
    if not isinstance(scan, Mapping):
        report(f"catalog entry {name!r} has no vulnerability scan", None)
        return
    max_age = int(as_number(config.get("maxScanAgeDays")) or 0)
    _check_scan_age(name, scan, scan_as_of(evidence, config), max_age, report)
    limits = config.get("maxFindings") or {}
    for severity in SEVERITIES:
        limit = as_number(limits.get(severity)) if isinstance(limits, Mapping) else None
        found = as_number(scan.get(severity))
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
        publishers = publisher_keys(config)
    except TrustConfigError as error:
        report(str(error), None)
        return
    name = entry.get("name")
    try:
        signatures.verify_image_signature(str(entry.get("image")), image_signature, publishers)
    except signatures.UnsignedError:
        report(
            f"catalog entry {name!r} has no image signature, which this stack "
            "requires; the publisher signs with `python -m ops catalog sign-image`",
            None,
        )
    except signatures.UntrustedKeyError as error:
        if required:  # not required: a publisher this stack doesn't know claims nothing here
            report(f"catalog entry {name!r}: image signature: {error}", None)
    except signatures.SignatureProblem as error:
        report(f"catalog entry {name!r}: image signature: {error}", None)


def _check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != DEPLOYMENT:
        return
    config = config_with_defaults(args, SCHEMA)
    evidence = catalog_evidence(args.props, config)
    if evidence.reason == "unknown":
        return
    if not evidence.verified:
        report(
            f"supply chain can't be checked without a verified catalog entry: {evidence.problem}",
            None,
        )
        return
    entry = evidence.entry or {}
    _check_scan(evidence, config, report)
    _check_artifact(entry, "sbom", report)
    _check_artifact(entry, "provenance", report)
    _check_image_signature(entry, config, report)


catalog_supply_chain = ResourceValidationPolicy(
    name="catalog-supply-chain",
    description=(
        "A server's signed catalog entry has a recent vulnerability scan within the allowed "
        "findings, an SBOM and provenance, and a valid image signature where required."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.HIGH,
    remediation_steps=(
        "Rescan the image, record the scan, SBOM and provenance in the catalog entry, have "
        "the publisher sign the image (`ops catalog sign-image`) and an approver re-sign."
    ),
)
