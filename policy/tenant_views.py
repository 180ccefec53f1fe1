"""Tenant namespaces as the pack sees them: a Namespace labelled for a tenant other than shared."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import PolicyResource

from . import kubernetes_views as k8s
from .contract import ENVIRONMENT, SHARED_TENANT, TENANT
from .reads import is_unknown
from .resource_types import NAMESPACE


def tenant_namespaces(resources: list[PolicyResource]) -> Iterator[tuple[str, str, PolicyResource]]:
    """``(tenant, namespace name, resource)`` for every tenant's namespace of the stack."""
    for resource in resources:
        if resource.resource_type != NAMESPACE:
            continue
        tenant = k8s.labels_of(resource.props).get(TENANT)
        name = k8s.name_of(resource.props)
        if isinstance(tenant, str) and tenant and tenant != SHARED_TENANT and not is_unknown(name):
            yield tenant, name, resource


def environment_of(resource: PolicyResource) -> str | None:
    environment = k8s.labels_of(resource.props).get(ENVIRONMENT)
    return environment if isinstance(environment, str) else None
