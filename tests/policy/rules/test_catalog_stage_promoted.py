"""catalog-stage-promoted: one Deployment at a time, by the configured stage."""

from __future__ import annotations

from catalog import signing
from policy.rules.catalog_stage_promoted import catalog_stage_promoted
from tests.policy.harness import (
    APPROVER_KEY_ID,
    PROD,
    annotations_for,
    check,
    deployment,
    entry_document,
    labels,
    signed_annotations,
)


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
