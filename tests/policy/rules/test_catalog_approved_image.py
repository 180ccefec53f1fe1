"""catalog-approved-image: one Deployment at a time, judged by its annotations and images."""

from __future__ import annotations

import json

import pytest

from catalog import signing
from policy.rules.catalog_approved_image import catalog_approved_image
from policy.rules.catalog_stage_promoted import catalog_stage_promoted
from policy.rules.catalog_supply_chain import catalog_supply_chain
from tests.policy.harness import (
    NOW,
    PROD,
    UNKNOWN,
    annotations_for,
    check,
    container,
    deployment,
    entry_document,
    labels,
    resource_args,
    signed_annotations,
    stack_config,
    violations,
)


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
