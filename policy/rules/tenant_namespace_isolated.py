"""``tenant-namespace-isolated``: every tenant namespace has its limits and network isolation.

A tenant namespace without a ResourceQuota lets one tenant starve the others' nodes; without
a LimitRange a container that states no requests escapes the quota's accounting; without
default-deny NetworkPolicies in both directions any pod may call, or be called from, any
other tenant. ``components/tenant_namespace.py`` creates all four; this holds the stack to it.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .. import kubernetes_views as k8s
from ..reads import get, items
from ..resource_types import NETWORK_POLICY
from ..tenant_views import tenant_namespaces

RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota"
LIMIT_RANGE = "kubernetes:core/v1:LimitRange"


def _default_deny(policy: PolicyResource) -> set[str]:
    """The directions a NetworkPolicy denies for every pod: all pods, the type, no rule."""
    spec = get(policy.props, "spec", default={})
    if get(spec, "podSelector", "matchLabels") or get(spec, "podSelector", "matchExpressions"):
        return set()
    denied = set()
    for kind, rules in (("Ingress", "ingress"), ("Egress", "egress")):
        if kind in list(items(get(spec, "policyTypes"))) and not list(items(get(spec, rules))):
            denied.add(kind)
    return denied


def _missing(namespace: str, resources: list[PolicyResource]) -> list[str]:
    inside = [
        r
        for r in resources
        if r.resource_type in (RESOURCE_QUOTA, LIMIT_RANGE, NETWORK_POLICY)
        and k8s.namespace_of(r.props) == namespace
    ]
    found = []
    if not any(r.resource_type == RESOURCE_QUOTA for r in inside):
        found.append("a ResourceQuota")
    if not any(r.resource_type == LIMIT_RANGE for r in inside):
        found.append("a LimitRange")
    denied = set().union(*(_default_deny(r) for r in inside if r.resource_type == NETWORK_POLICY))
    found += [
        f"a default-deny {kind} NetworkPolicy"
        for kind in ("Ingress", "Egress")
        if kind not in denied
    ]
    return found


def _check(args: StackValidationArgs, report: ReportViolation) -> None:
    for tenant, namespace, resource in tenant_namespaces(args.resources):
        missing = _missing(namespace, args.resources)
        if missing:
            report(
                f"tenant {tenant!r}: namespace {namespace!r} lacks {', '.join(missing)}; "
                "build it with TenantNamespace (components/tenant_namespace.py), which creates "
                "the quota and limit range from the tenant's settings and denies traffic both ways",
                resource.urn,
            )


tenant_namespace_isolated = StackValidationPolicy(
    name="tenant-namespace-isolated",
    description=(
        "Every tenant namespace has a ResourceQuota, a LimitRange and default-deny ingress "
        "and egress NetworkPolicies."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={}),
)
