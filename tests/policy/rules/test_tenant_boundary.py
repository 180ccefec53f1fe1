"""tenant-boundary: one object at a time, in and out of its tenant's namespace."""

from __future__ import annotations

from typing import Any

import pytest

from policy.rules.tenant_boundary import tenant_boundary
from tests.policy.harness import UNKNOWN, deployment, labels, resource_args, violations

SERVICE = "kubernetes:core/v1:Service"


def check(resource_type: str, props: dict[str, Any]) -> list[str]:
    return violations(tenant_boundary, resource_args(resource_type, props))


def service(namespace: Any, tenant: str = "storefront") -> dict[str, Any]:
    return {
        "metadata": {
            "name": "github",
            "namespace": namespace,
            "labels": labels("github", tenant=tenant),
        },
        "spec": {"type": "ClusterIP"},
    }


def test_a_server_in_its_tenants_namespace_passes() -> None:
    assert check("kubernetes:apps/v1:Deployment", deployment(namespace="mcp-storefront")) == []
    assert check(SERVICE, service("mcp-storefront")) == []


@pytest.mark.parametrize("kind", ["kubernetes:apps/v1:Deployment", SERVICE])
def test_a_tenants_object_in_another_tenants_namespace_is_named(kind: str) -> None:
    props = (
        deployment(namespace="mcp-research")
        if kind.endswith("Deployment")
        else service("mcp-research")
    )
    [message] = check(kind, props)
    assert message == (
        "'github' is labelled for tenant 'storefront' but lives in namespace 'mcp-research'; "
        "a tenant's objects belong in 'mcp-storefront'"
    )


def test_shared_objects_and_unknown_namespaces_are_left_alone() -> None:
    assert check(SERVICE, service("mcp-backups", tenant="shared")) == []
    assert check(SERVICE, service(UNKNOWN)) == []
