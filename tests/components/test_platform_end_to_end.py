"""The load balancer inside whole rendered stacks: what only the composition can show.

LoadBalancer itself is tested in-process from hand-made Args (test_load_balancer.py); here
the stack files reach it through Platform, its bindings land on the stack's cluster, and
the namespaces Platform makes keep the readiness gate the bindings rely on.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from review.render import RenderedStack

Rendered = Callable[[str], RenderedStack]
COMPONENT = "mcp-fleet:load_balancer:LoadBalancer"
ALB = "aws:lb/loadBalancer:LoadBalancer"
BINDING = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
FROM_STACK_FILE = {"prod": (True, 365)}
"""deletionProtection and accessLogRetentionDays as Pulumi.prod.yaml sets them (dev's: test_platform_args.py)."""


@pytest.mark.parametrize("stack", sorted(FROM_STACK_FILE))
def test_the_stack_file_reaches_the_load_balancer_under_the_platform(
    rendered: Rendered, stack: str
) -> None:
    result = rendered(stack)
    (platform,) = result.of_type("mcp-fleet:platform:Platform")
    (component,) = result.of_type(COMPONENT)
    assert component["parent"] == platform["urn"]
    (alb,) = result.of_type(ALB)
    protected, retention = FROM_STACK_FILE[stack]
    assert alb["inputs"]["enableDeletionProtection"] is protected
    assert alb["inputs"]["name"] == f"mcp-fleet-{stack}"
    (lifecycle,) = [r for r in result.descendants_of(component["urn"]) if r["type"] == LIFECYCLE]
    assert lifecycle["inputs"]["rules"][0]["expiration"] == {"days": retention}
    assert platform["outputs"]["load_balancer_dns"] == alb["outputs"]["dnsName"]


def test_bindings_land_on_the_stack_cluster_in_namespaces_with_the_readiness_gate(
    rendered: Rendered,
) -> None:
    """Without the gate a rollout may stop old pods before the ALB sends to the new ones."""
    result = rendered("prod")
    (cluster,) = result.of_type("pulumi:providers:kubernetes")
    bindings = result.of_type(BINDING)
    assert bindings
    for binding in bindings:
        assert binding["provider"].rsplit("::", 1)[0] == cluster["urn"]
    bound = {b["inputs"]["metadata"]["namespace"] for b in bindings}
    namespaces = {
        n["inputs"]["metadata"]["name"]: n["inputs"]["metadata"]["labels"]
        for n in result.of_type("kubernetes:core/v1:Namespace")
    }
    assert bound and bound <= set(namespaces)
    for namespace in bound:
        assert namespaces[namespace]["elbv2.k8s.aws/pod-readiness-gate-inject"] == "enabled"
