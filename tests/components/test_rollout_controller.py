"""RolloutControllerAccess in-process: the IRSA role, its one action, the ServiceAccount, the map."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from components.rollout_controller import (
    SERVICE_ACCOUNT,
    RolloutControllerAccess,
    RolloutControllerArgs,
)
from delivery.plan import TicketRoute
from tests.components.factories import OIDC, fleet_tags
from tests.components.harness import Built, build, cluster, on_cluster
from tests.delivery.argo_schema import validate

TICKETS = TicketRoute(("https://tickets.example.com/a", "https://tickets.example.com/b"))
LABELS = {"app.kubernetes.io/part-of": "mcp-fleet", "app.kubernetes.io/name": "argo-rollouts"}


def args(**changes: Any) -> RolloutControllerArgs:
    values: dict[str, Any] = {
        "namespace": "argo-rollouts",
        "oidc_provider_arn": OIDC,
        "role_name_prefix": "mcp-fleet-prod-rollouts-",
        "title": "mcp-fleet prod",
        "ticket_route": TICKETS,
        "labels": LABELS,
        "tags": fleet_tags(),
        **changes,
    }
    return RolloutControllerArgs(**values)


@cache
def built() -> Built[RolloutControllerAccess]:
    return build(lambda: RolloutControllerAccess("rollouts", args(), opts=on_cluster(cluster())))


def one(type_token: str) -> dict[str, Any]:
    (found,) = built().of_type(type_token)
    return found


def test_the_role_trusts_only_the_controllers_service_account() -> None:
    role = one("aws:iam/role:Role")["inputs"]
    trust = json.loads(role["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    condition = statement["Condition"]["StringEquals"]
    assert f"system:serviceaccount:argo-rollouts:{SERVICE_ACCOUNT}" in condition.values()
    assert role["tags"] == fleet_tags()


def test_the_role_may_only_read_metric_data() -> None:
    policy = json.loads(one("aws:iam/rolePolicy:RolePolicy")["inputs"]["policy"])
    (statement,) = policy["Statement"]
    assert statement["Action"] == ["cloudwatch:GetMetricData"]
    assert statement["Effect"] == "Allow"


def test_the_service_account_carries_the_role() -> None:
    account = one("kubernetes:core/v1:ServiceAccount")["inputs"]["metadata"]
    assert account["name"] == SERVICE_ACCOUNT and account["namespace"] == "argo-rollouts"
    assert "eks.amazonaws.com/role-arn" in account["annotations"]


def test_the_notification_map_has_a_webhook_per_ticket_endpoint_and_validates() -> None:
    config = one("kubernetes:core/v1:ConfigMap")["inputs"]
    assert config["metadata"]["name"] == "argo-rollouts-notification-configmap"
    urls = [
        json.loads(value)["url"]
        for key, value in config["data"].items()
        if key.startswith("service.webhook.")
    ]
    assert sorted(urls) == sorted(TICKETS.https_endpoints)
    assert "trigger.on-rollout-aborted" in config["data"]
    document = {"apiVersion": "v1", "kind": "ConfigMap", **config}
    verdict = validate([document])
    assert verdict.returncode == 0 and not verdict.errors, verdict.lines


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"role_name_prefix": "x" * 39}, "1-38 characters"),
        ({"ticket_route": TicketRoute(("http://plain.example.com",))}, "not an https:// URL"),
    ],
)
def test_wrong_args_are_refused_before_anything_exists(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        args(**change)
