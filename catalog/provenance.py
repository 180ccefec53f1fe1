"""Provenance annotations: the signed catalog entry, carried on the resources deployed from it.

A server's Deployment carries two annotations, and the policy pack judges it by them alone:

``mcp-fleet.io/catalog-entry``
    The canonical JSON (``policy/signatures.py``) of the entry's YAML document without its
    ``signature`` block, ``imageSignature`` included: exactly the text the approver signed.
``mcp-fleet.io/catalog-signature``
    The canonical JSON of the ``signature`` block: ``keyId``, ``signer``, ``signedAt``,
    ``algorithm``, ``value``. Absent when the entry is unsigned (the pack then reports the
    Deployment as unsigned).

The pack parses the entry, verifies the signature against the keys its stack trusts, and
compares the Deployment's container images, stage and tenant with the signed entry.

A remote server has no Deployment of its own: the gateway's Deployment carries the signed
entries of the remote servers it routes to (``mcp-fleet.io/remote-catalog-entries``), and
``remote-server-governed`` verifies them against the routes in the gateway's configuration.
"""

from __future__ import annotations

from collections.abc import Mapping

from catalog.entry import CatalogEntry
from policy.contract import (
    CATALOG_ENTRY_ANNOTATION,
    CATALOG_SIGNATURE_ANNOTATION,
    REMOTE_CATALOG_ENTRIES_ANNOTATION,
)
from policy.signatures import SIGNATURE_FIELD, canonical_json, signed_document


def _document_of(entry: CatalogEntry) -> dict[str, object]:
    document = entry.document
    if not document:
        raise ValueError(
            f"catalog entry {entry.name!r} has no source document; load it with "
            "catalog.load.load_entry so the text that was signed is known"
        )
    return document


def provenance_annotations(entry: CatalogEntry) -> dict[str, str]:
    """Annotations proving which signed catalog entry a resource was deployed from."""
    document = _document_of(entry)
    annotations = {CATALOG_ENTRY_ANNOTATION: canonical_json(signed_document(document))}
    signature = document.get(SIGNATURE_FIELD)
    if signature is not None:
        annotations[CATALOG_SIGNATURE_ANNOTATION] = canonical_json(signature)
    return annotations


def remote_entries_annotations(remotes: Mapping[str, CatalogEntry]) -> dict[str, str]:
    """The gateway's proof of each remote it routes to: ``{route: {entry, signature}}``.

    ``remotes`` maps the route (the stack's server name) to its catalog entry; none, no
    annotation. An unsigned entry is carried without ``signature``, so the pack names it.
    """
    if not remotes:
        return {}
    proofs: dict[str, dict[str, object]] = {}
    for route, entry in sorted(remotes.items()):
        document = _document_of(entry)
        proof: dict[str, object] = {"entry": signed_document(document)}
        if document.get(SIGNATURE_FIELD) is not None:
            proof["signature"] = document[SIGNATURE_FIELD]
        proofs[route] = proof
    return {REMOTE_CATALOG_ENTRIES_ANNOTATION: canonical_json(proofs)}
