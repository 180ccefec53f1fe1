"""Catalog policies judge a Deployment only by its annotations, labels and images."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from catalog import signing
from policy import signatures
from policy.catalog_policies import (
    catalog_approved_image,
    catalog_stage_promoted,
    catalog_supply_chain,
)
from tests.policy.harness import (
    APPROVER_KEY_ID,
    NOW,
    UNKNOWN,
    annotations_for,
    container,
    deployment,
    entry_document,
    labels,
    resource_args,
    signed_annotations,
    stack_config,
    violations,
)

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
PROD = {"trustedKeyIds": [APPROVER_KEY_ID], "stage": "prod", "now": NOW}


def check(policy: Any, props: dict[str, Any], config: dict[str, Any] | None = None) -> list[str]:
    return violations(policy, resource_args(DEPLOYMENT, props, PROD if config is None else config))


@pytest.fixture(scope="module")
def test_key() -> signing.PrivateKey:
    return signing.generate_private_key()


def trusting(key: signing.PrivateKey, **extra: Any) -> dict[str, Any]:
    """Config trusting only ``key`` (inline PEM), for entries signed in the test."""
    pem = signing.public_key_pem(key.public_key())
    return {
        "trustedKeys": {signing.key_id(key.public_key()): pem},
        "stage": "prod",
        "now": NOW,
        **extra,
    }


# --- catalog-approved-image -------------------------------------------------------------------


@pytest.mark.parametrize("server", ["github", "jira", "slack", "postgres-query", "docs-search"])
def test_a_deployment_of_a_signed_prod_entry_passes_every_catalog_policy(server: str) -> None:
    annotations = signed_annotations(server)
    tenant = json.loads(annotations["mcp-fleet.io/catalog-entry"])["tenants"][0]
    props = deployment(annotations, server=server, deployment_labels=labels(server, tenant=tenant))
    for policy in (catalog_approved_image, catalog_stage_promoted, catalog_supply_chain):
        config = {**stack_config("prod", policy.name), "now": NOW}
        assert check(policy, props, config) == [], policy.name


def test_a_deployment_without_catalog_annotations_is_not_from_the_catalog() -> None:
    [message] = check(
        catalog_approved_image, deployment({}, image="ghcr.io/x/y@sha256:" + "0" * 64)
    )
    assert "not deployed from an approved catalog entry" in message


def test_unsigned_tampered_and_untrusted_are_distinct_failures(
    test_key: signing.PrivateKey,
) -> None:
    document = entry_document("github")
    unsigned = check(catalog_approved_image, deployment(annotations_for(document, None)))
    assert len(unsigned) == 1 and "is unsigned" in unsigned[0]

    tampered_annotations = signed_annotations("github")
    entry = json.loads(tampered_annotations["mcp-fleet.io/catalog-entry"])
    entry["tenants"].append("everyone")
    tampered_annotations["mcp-fleet.io/catalog-entry"] = json.dumps(entry)
    tampered = check(catalog_approved_image, deployment(tampered_annotations))
    assert len(tampered) == 1 and "was tampered with" in tampered[0]

    untrusted = check(catalog_approved_image, deployment(annotations_for(document, test_key)))
    assert len(untrusted) == 1 and "not trusted here" in untrusted[0]
    assert signing.key_id(test_key.public_key()) in untrusted[0]


def test_an_untouched_annotation_with_different_whitespace_still_verifies() -> None:
    annotations = signed_annotations("github")
    entry = json.loads(annotations["mcp-fleet.io/catalog-entry"])
    annotations["mcp-fleet.io/catalog-entry"] = json.dumps(entry, indent=2)
    assert check(catalog_approved_image, deployment(annotations)) == []


def test_with_no_trusted_keys_configured_nothing_is_trusted() -> None:
    [message] = check(catalog_approved_image, deployment(), config={})
    assert "not trusted here (trusted: none)" in message


def test_a_trusted_key_id_that_cannot_be_found_is_a_config_error() -> None:
    [message] = check(
        catalog_approved_image, deployment(), config={"trustedKeyIds": ["0123456789abcdef"]}
    )
    assert message.startswith(
        "Deployment 'github': policy config: trustedKeyIds lists 0123456789abcdef"
    )


def test_an_image_by_tag_fails() -> None:
    props = deployment(image="ghcr.io/acme-platform/mcp-github:1.8.2")
    [message] = check(catalog_approved_image, props)
    assert "by tag" in message and "mcp-github:1.8.2" in message


def test_an_image_that_is_not_the_signed_entrys_fails() -> None:
    other = "ghcr.io/acme-platform/mcp-github@sha256:" + "f" * 64
    [message] = check(catalog_approved_image, deployment(image=other))
    assert "not the image of signed catalog entry 'github'" in message


def test_every_container_counts_including_init_containers() -> None:
    props = deployment()
    image = props["spec"]["template"]["spec"]["containers"][0]["image"]
    props["spec"]["template"]["spec"]["initContainers"] = [container("busybox:latest", "init")]
    props["spec"]["template"]["spec"]["containers"].append(container(image, "second"))
    [message] = check(catalog_approved_image, props)
    assert message.startswith("initContainer 'init' runs 'busybox:latest' by tag")


def test_a_tenant_the_entry_does_not_allow_fails() -> None:
    props = deployment(
        signed_annotations("jira"),
        server="jira",
        deployment_labels=labels("jira", tenant="research"),
    )
    [message] = check(catalog_approved_image, props)
    assert "tenant 'research' is not one the signed entry 'jira' is approved for" in message


def test_unknown_values_during_preview_are_skipped_not_crashed_on() -> None:
    props = deployment()
    props["spec"]["template"]["spec"]["containers"][0]["image"] = UNKNOWN
    assert check(catalog_approved_image, props) == []
    props["metadata"]["annotations"] = UNKNOWN
    assert check(catalog_approved_image, props) == []
    assert check(catalog_stage_promoted, props) == []
    assert check(catalog_supply_chain, props) == []


def test_other_resource_types_are_ignored() -> None:
    args = resource_args("kubernetes:core/v1:Service", {"metadata": {"name": "x"}}, PROD)
    assert violations(catalog_approved_image, args) == []


# --- catalog-stage-promoted -------------------------------------------------------------------


def test_an_entry_not_promoted_to_the_stage_fails() -> None:
    props = deployment(
        signed_annotations("k8s-readonly"),
        server="k8s-readonly",
        deployment_labels=labels("k8s-readonly", tenant="research"),
    )
    [message] = check(catalog_stage_promoted, props)
    assert "promoted to dev, staging, not prod (policy config)" in message
    staging = {**PROD, "stage": "staging"}
    props["metadata"]["labels"]["mcp-fleet.io/environment"] = "staging"
    assert check(catalog_stage_promoted, props, staging) == []


def test_the_configured_stage_wins_over_the_resources_own_label() -> None:
    props = deployment(
        signed_annotations("k8s-readonly"),
        server="k8s-readonly",
        deployment_labels=labels("k8s-readonly", tenant="research", environment="staging"),
    )
    found = check(catalog_stage_promoted, props)
    assert any(
        "labelled mcp-fleet.io/environment='staging' but this stack is 'prod'" in m for m in found
    )
    assert any("not prod" in m for m in found)


def test_without_a_configured_stage_the_environment_label_is_used() -> None:
    props = deployment(
        signed_annotations("k8s-readonly"),
        server="k8s-readonly",
        deployment_labels=labels("k8s-readonly", tenant="research", environment="prod"),
    )
    config = {"trustedKeyIds": [APPROVER_KEY_ID]}
    [message] = check(catalog_stage_promoted, props, config)
    assert "not prod (label mcp-fleet.io/environment)" in message


def test_promotion_needs_a_verified_entry(test_key: signing.PrivateKey) -> None:
    props = deployment(annotations_for(entry_document("github"), test_key))
    [message] = check(catalog_stage_promoted, props)
    assert message.startswith("promotion can't be confirmed without a verified catalog entry")


# --- catalog-supply-chain ---------------------------------------------------------------------


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
