"""What a Deployment proves about where it came from: its signed catalog entry, verified.

A Deployment carries the entry as signed (``mcp-fleet.io/catalog-entry``) and its approval
signature (``mcp-fleet.io/catalog-signature``). The signature is checked against the keys
the *policy config* trusts, so a resource can't vouch for itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import signatures
from .contract import CATALOG_ENTRY_ANNOTATION, CATALOG_SIGNATURE_ANNOTATION
from .reads import get, is_unknown
from .trust import TrustConfigError, approver_keys


@dataclass(frozen=True)
class CatalogEvidence:
    """What a Deployment proves about where it came from.

    ``entry`` is set only when the annotation's entry verified against a trusted key.
    ``reason`` is ``ok``, ``unknown`` (can't tell during preview), ``missing``, ``unsigned``,
    ``untrusted-key``, ``tampered``, ``malformed`` or ``config``; ``problem`` explains it.
    ``signed_at`` is the signature block's ``signedAt`` text (not covered by the signature).
    """

    reason: str
    problem: str = ""
    entry: dict[str, Any] | None = None
    approver: signatures.TrustedKey | None = None
    signed_at: str = ""

    @property
    def verified(self) -> bool:
        return self.entry is not None


def _annotations(props: Any) -> tuple[CatalogEvidence | None, str, str]:
    """(evidence when the annotations already decide it, entry text, signature text)."""
    annotations = get(props, "metadata", "annotations")
    if is_unknown(annotations):
        return CatalogEvidence("unknown", "the Deployment's annotations are not known yet"), "", ""
    entry_text = get(annotations, CATALOG_ENTRY_ANNOTATION)
    signature_text = get(annotations, CATALOG_SIGNATURE_ANNOTATION)
    if is_unknown(entry_text) or is_unknown(signature_text):
        return CatalogEvidence("unknown", "the catalog annotations are not known yet"), "", ""
    if not entry_text:
        missing = CatalogEvidence(
            "missing",
            f"it carries no {CATALOG_ENTRY_ANNOTATION} annotation: it was not deployed from "
            "an approved catalog entry",
        )
        return missing, "", ""
    return None, str(entry_text), str(signature_text or "")


def verified_evidence(
    entry: dict[str, Any], block: Any, config: Mapping[str, Any]
) -> CatalogEvidence:
    """``entry`` (without its signature) and its signature ``block``, checked against ``config``."""
    try:
        trusted = approver_keys(config)
    except TrustConfigError as error:
        return CatalogEvidence("config", str(error))
    name = entry.get("name")
    try:
        approver = signatures.verify_entry({**entry, signatures.SIGNATURE_FIELD: block}, trusted)
    except signatures.UntrustedKeyError as error:
        return CatalogEvidence("untrusted-key", f"catalog entry {name!r} is {error}")
    except signatures.TamperedError as error:
        return CatalogEvidence("tampered", f"catalog entry {name!r} was tampered with: {error}")
    except signatures.UnsignedError as error:
        return CatalogEvidence("unsigned", f"catalog entry {name!r}: {error}")
    except signatures.SignatureProblem as error:
        return CatalogEvidence("malformed", f"catalog entry {name!r}: {error}")
    signed_at = block.get("signedAt") if isinstance(block, Mapping) else None
    return CatalogEvidence(
        "ok",
        entry=signatures.signed_document(entry),
        approver=approver,
        signed_at=signed_at if isinstance(signed_at, str) else "",
    )


def catalog_evidence(props: Any, config: Mapping[str, Any]) -> CatalogEvidence:
    """The Deployment's catalog entry, verified against the keys ``config`` trusts."""
    decided, entry_text, signature_text = _annotations(props)
    if decided is not None:
        return decided
    try:
        entry = json.loads(entry_text)
    except ValueError as error:
        return CatalogEvidence("malformed", f"{CATALOG_ENTRY_ANNOTATION} is not JSON: {error}")
    if not isinstance(entry, dict):
        return CatalogEvidence("malformed", f"{CATALOG_ENTRY_ANNOTATION} is not a JSON object")
    if not signature_text:
        return CatalogEvidence(
            "unsigned",
            f"catalog entry {entry.get('name')!r} is unsigned (no "
            f"{CATALOG_SIGNATURE_ANNOTATION} annotation): an approver must run "
            "`python -m ops catalog sign` on it",
        )
    try:
        block = json.loads(signature_text)
    except ValueError as error:
        return CatalogEvidence("malformed", f"{CATALOG_SIGNATURE_ANNOTATION} is not JSON: {error}")
    return verified_evidence(entry, block, config)
