"""catalog-supply-chain: one Deployment's signed entry: scan, findings, SBOM, provenance, image signature."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

from catalog import signing
from policy import signatures
from policy.rules.catalog_supply_chain import catalog_supply_chain
from tests.policy.harness import (
    APPROVER_KEY_ID,
    NOW,
    PROD,
    annotations_for,
    check,
    deployment,
    entry_document,
    signed_annotations,
    stack_config,
    trusting,
)


def test_a_stale_scan_fails(test_key: signing.PrivateKey) -> None:
    props = deployment(signed_annotations("github"))
    assert check(catalog_supply_chain, props, {**PROD, "now": "2026-12-19"}) == []
    [message] = check(catalog_supply_chain, props, {**PROD, "now": "2026-12-21"})
    assert "is 31 days old (at most 30)" in message
    document = entry_document("jira")
    document["scan"]["date"] = "2027-01-01"
    [future] = check(
        catalog_supply_chain,
        deployment(annotations_for(document, test_key), server="jira"),
        trusting(test_key),
    )
    assert "after today" in future


def test_findings_above_the_configured_limits_fail(test_key: signing.PrivateKey) -> None:
    document = entry_document("jira")
    document["scan"]["critical"] = 1
    document["scan"]["high"] = 7
    props = deployment(annotations_for(document, test_key), server="jira")
    found = check(catalog_supply_chain, props, trusting(test_key))
    assert found == [
        "catalog entry 'jira': the scan found 1 critical vulnerabilities (at most 0 allowed)"
    ]
    found = check(
        catalog_supply_chain, props, trusting(test_key, maxFindings={"critical": 1, "high": 5})
    )
    assert found == [
        "catalog entry 'jira': the scan found 7 high vulnerabilities (at most 5 allowed)"
    ]


def test_sbom_and_provenance_must_be_present(test_key: signing.PrivateKey) -> None:
    document = entry_document("jira")
    del document["sbom"]
    document["provenance"]["sha256"] = "not-a-digest"
    props = deployment(annotations_for(document, test_key), server="jira")
    assert check(catalog_supply_chain, props, trusting(test_key)) == [
        "catalog entry 'jira' has no sbom (uri and sha256)",
        "catalog entry 'jira': provenance.sha256 is not a sha256 hex digest",
    ]


def test_image_signatures_when_required() -> None:
    required = {
        **stack_config("prod", "catalog-supply-chain"),
        "now": NOW,
        "requireImageSignature": True,
    }
    assert check(catalog_supply_chain, deployment(signed_annotations("github")), required) == []
    [message] = check(
        catalog_supply_chain, deployment(signed_annotations("jira"), server="jira"), required
    )
    assert "has no image signature, which this stack requires" in message
    untrusting = {**required, "trustedPublisherKeyIds": []}
    [message] = check(catalog_supply_chain, deployment(signed_annotations("github")), untrusting)
    assert "image signature: image signed by publisher key" in message and "not trusted" in message


def test_an_image_signature_for_another_digest_fails_even_when_not_required(
    test_key: signing.PrivateKey,
) -> None:
    publisher = signing.generate_private_key(signing.ECDSA_P256_SHA256)
    document = entry_document("jira")
    other = document["image"].split("@")[0] + "@sha256:" + "e" * 64
    block = signing.image_signature_block(other, publisher)
    document["imageSignature"] = block
    props = deployment(annotations_for(document, test_key), server="jira")
    pem = signing.public_key_pem(publisher.public_key())
    config = trusting(test_key, trustedPublisherKeys={block["publisherKeyId"]: pem})
    [message] = check(catalog_supply_chain, props, config)
    assert "image signature: the image signature is for" in message
    # and a forged payload for the right digest doesn't verify
    block = {
        **block,
        "payload": base64.b64encode(signatures.simple_signing_payload(document["image"])).decode(),
    }
    document["imageSignature"] = block
    props = deployment(annotations_for(document, test_key), server="jira")
    [message] = check(catalog_supply_chain, props, config)
    assert "does not verify with publisher key" in message


# --- the example catalog does not age; a real catalog does -------------------------------------

YEARS_AHEAD = "2031-06-01"
"""A day long after every example scan: judged as of today, each would be years stale."""


def signed_by(document: dict[str, Any], key: signing.PrivateKey, signed_at: str) -> dict[str, str]:
    """Annotations for ``document`` approved by ``key`` on the day ``signed_at``."""
    body = signatures.signed_document(document)
    moment = dt.datetime.fromisoformat(signed_at).replace(tzinfo=dt.UTC)
    block = signing.signature_block(body, key, "Somebody", signed_at=moment)
    return {
        "mcp-fleet.io/catalog-entry": signatures.canonical_json(body),
        "mcp-fleet.io/catalog-signature": signatures.canonical_json(block),
    }


def trusting_as(key: signing.PrivateKey, holder: str, *, example: bool) -> dict[str, Any]:
    """The prod config, trusting ``key`` (its PEM naming ``holder``), as of years ahead."""
    key_id = signing.key_id(key.public_key())
    return {
        **stack_config("prod", "catalog-supply-chain"),
        "trustedKeyIds": [],
        "trustedKeys": {key_id: signing.public_key_pem(key.public_key(), holder=holder)},
        "exampleKeyIds": [key_id] if example else [],
        "now": YEARS_AHEAD,
    }


@pytest.mark.parametrize("server", ["github", "jira", "slack", "postgres-query", "docs-search"])
def test_the_committed_examples_pass_prod_years_ahead(server: str) -> None:
    config = {**stack_config("prod", "catalog-supply-chain"), "now": YEARS_AHEAD}
    assert config["exampleKeyIds"] == [APPROVER_KEY_ID]
    props = deployment(signed_annotations(server), server=server)
    assert check(catalog_supply_chain, props, config) == []


def test_a_real_entry_with_the_same_stale_scan_still_fails(test_key: signing.PrivateKey) -> None:
    document = entry_document("github")
    annotations = signed_by(document, test_key, "2026-11-26")
    real = trusting_as(test_key, "Jane Doe (release approver)", example=False)
    [message] = check(catalog_supply_chain, deployment(annotations), real)
    assert f"the vulnerability scan of {document['scan']['date']}" in message
    assert "days old (at most 30)" in message and "example" not in message


def test_listing_a_key_as_an_example_does_not_exempt_a_key_that_is_not_one(
    test_key: signing.PrivateKey,
) -> None:
    annotations = signed_by(entry_document("github"), test_key, "2026-11-26")
    mislisted = trusting_as(test_key, "Jane Doe (release approver)", example=True)
    [message] = check(catalog_supply_chain, deployment(annotations), mislisted)
    assert "days old (at most 30)" in message


def test_an_example_is_judged_as_of_its_signing_day_not_never(
    test_key: signing.PrivateKey,
) -> None:
    example = trusting_as(test_key, "Demo (EXAMPLE KEY - replace before real use)", example=True)
    fresh = signed_by(entry_document("github"), test_key, "2026-11-26")
    assert check(catalog_supply_chain, deployment(fresh), example) == []
    late = signed_by(entry_document("github"), test_key, "2027-03-01")
    [message] = check(catalog_supply_chain, deployment(late), example)
    assert "judged as of the day it was signed, 2027-03-01" in message
    assert "days old (at most 30)" in message


def test_an_example_key_removed_from_the_config_is_judged_as_of_today() -> None:
    config = {
        **stack_config("prod", "catalog-supply-chain"),
        "exampleKeyIds": [],
        "now": YEARS_AHEAD,
    }
    [message] = check(catalog_supply_chain, deployment(signed_annotations("github")), config)
    assert "days old (at most 30)" in message
