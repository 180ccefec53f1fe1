"""remote-server-governed through the whole pack (``review.analyze``), on staging's render.

Staging routes the example remote server partner-crm: as rendered, the rule has nothing to
say; with the gateway Deployment's signed remote entries removed, or its credential read
from another Secret, it fails with remote-server-governed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from policy.contract import REMOTE_CATALOG_ENTRIES_ANNOTATION
from review.pipeline import ReviewRequest, check_policy
from review.render import RenderedStack
from tests.review.test_gateway_policies_pack import with_resources

pytestmark = pytest.mark.xdist_group("review-policy-pack")
RULE = "remote-server-governed"


def _gateway_deployments(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    views = []
    for record in resources:
        if record["type"] != "kubernetes:apps/v1:Deployment":
            continue
        for view in ("wire", "inputs", "outputs"):
            props = record.get(view)
            labels = ((props or {}).get("metadata") or {}).get("labels") or {}
            if props and labels.get("app.kubernetes.io/component") == "gateway":
                views.append(props)
    return views


def without_remote_entries(resources: list[dict[str, Any]]) -> None:
    views = _gateway_deployments(resources)
    assert views
    for props in views:
        del props["metadata"]["annotations"][REMOTE_CATALOG_ENTRIES_ANNOTATION]


def credential_from_another_secret(resources: list[dict[str, Any]]) -> None:
    views = _gateway_deployments(resources)
    assert views
    for props in views:
        for container in props["spec"]["template"]["spec"]["containers"]:
            for variable in container.get("env") or []:
                if variable["name"].startswith("REMOTE_"):
                    variable["valueFrom"]["secretKeyRef"]["name"] = "someone-elses-token"


def rule_messages(rendered: RenderedStack) -> list[str]:
    report = check_policy(rendered, ReviewRequest("staging"))
    assert report is not None
    return [d.message for d in report.diagnostics if d.policy == RULE]


def test_staging_as_rendered_satisfies_the_rule(rendered: Callable[[str], RenderedStack]) -> None:
    assert rule_messages(rendered("staging")) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (without_remote_entries, "the gateway carries no catalog entry for it"),
        (credential_from_another_secret, "is not read from Secret 'partner-crm-token'"),
    ],
)
def test_a_broken_gateway_fails_the_rule(
    rendered: Callable[[str], RenderedStack],
    change: Callable[[list[dict[str, Any]]], None],
    expected: str,
) -> None:
    [message] = rule_messages(with_resources(rendered("staging"), change))
    assert "remote server 'partner-crm'" in message and expected in message
