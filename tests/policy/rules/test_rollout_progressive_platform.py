"""rollout-progressive leaves the shared platform gateway to its own rolling update."""

from __future__ import annotations

from policy.resource_types import DEPLOYMENT
from policy.rules.rollout_progressive import rollout_progressive as policy
from tests.policy.harness import deployment, labels, resource, stack_args, stack_config, violations


def judge(tenant: str) -> list[str]:
    props = deployment(
        {},
        image="x",
        server="fleet",
        namespace="mcp-gateway",
        deployment_labels=labels("fleet", tenant=tenant),
    )
    resources = [resource(DEPLOYMENT, props, name="mcp-gateway")]
    return violations(policy, stack_args(resources, stack_config("prod", policy.name)))


def test_the_shared_gateway_needs_no_rollout() -> None:
    assert judge("shared") == []


def test_a_tenant_deployment_with_the_same_shape_still_does() -> None:
    (message,) = judge("storefront")
    assert "rolled out by no Rollout" in message
