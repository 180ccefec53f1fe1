"""Stacks trust different approvers: a team lead may approve for dev and staging, not prod."""

from __future__ import annotations

import json
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
TEAM_LEAD = "35736e67adad13d5"
RELEASE_APPROVER = "880b7f8fe7d4ad53"


def trusted(stack: str) -> set[str]:
    config = json.loads((PROJECT_DIR / "policy" / "config" / f"{stack}.json").read_text())
    keys = {
        key
        for policy in config.values()
        if isinstance(policy, dict)
        for key in policy.get("trustedKeyIds", [])
    }
    return keys


def test_prod_trusts_only_the_release_approver() -> None:
    assert trusted("prod") == {RELEASE_APPROVER}


def test_dev_and_staging_also_trust_the_team_lead() -> None:
    assert trusted("dev") == trusted("staging") == {RELEASE_APPROVER, TEAM_LEAD}


def test_every_trusted_key_is_a_committed_public_key() -> None:
    for stack in ("dev", "staging", "prod"):
        for key_id in trusted(stack):
            assert (PROJECT_DIR / "catalog" / "keys" / f"{key_id}.pem").is_file(), key_id


def test_an_entry_approved_by_the_team_lead_deploys_to_dev_but_not_prod() -> None:
    from catalog.signing import load_private_key
    from policy.rules.catalog_approved_image import catalog_approved_image
    from tests.policy.harness import (
        NOW,
        annotations_for,
        deployment,
        entry_document,
        resource_args,
        stack_config,
        violations,
    )

    team_lead = load_private_key(PROJECT_DIR / "catalog" / "keys" / "example-team-lead.private.pem")
    props = deployment(annotations_for(entry_document("github"), team_lead))

    def judged(stack: str) -> list[str]:
        config = {**stack_config(stack, "catalog-approved-image"), "now": NOW}
        return violations(
            catalog_approved_image,
            resource_args("kubernetes:apps/v1:Deployment", props, config),
        )

    assert judged("dev") == []
    assert judged("staging") == []
    (refused,) = judged("prod")
    assert "not trusted here" in refused and TEAM_LEAD in refused
