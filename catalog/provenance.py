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
"""

from __future__ import annotations

from catalog.entry import CatalogEntry
from policy.contract import CATALOG_ENTRY_ANNOTATION, CATALOG_SIGNATURE_ANNOTATION
from policy.signatures import SIGNATURE_FIELD, canonical_json, signed_document


def provenance_annotations(entry: CatalogEntry) -> dict[str, str]:
    """Annotations proving which signed catalog entry a resource was deployed from."""
    document = entry.document
    if not document:
        raise ValueError(
            f"catalog entry {entry.name!r} has no source document; load it with "
            "catalog.load.load_entry so the text that was signed is known"
        )
    annotations = {CATALOG_ENTRY_ANNOTATION: canonical_json(signed_document(document))}
    signature = document.get(SIGNATURE_FIELD)
    if signature is not None:
        annotations[CATALOG_SIGNATURE_ANNOTATION] = canonical_json(signature)
    return annotations
