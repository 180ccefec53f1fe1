"""``tenant-namespace-isolated``: every tenant namespace has its limits and network isolation.

A tenant namespace without a ResourceQuota lets one tenant starve the others' nodes; without
a LimitRange a container that states no requests escapes the quota's accounting; without
default-deny NetworkPolicies in both directions any pod may call, or be called from, any
other tenant. ``components/tenant_namespace.py`` creates all four; this holds the stack to it.

Allows are held too (issue 11, "servers admit traffic only from the gateway"): every ingress
peer of a NetworkPolicy in a tenant namespace must be the gateway's pods (a namespace selector
on ``kubernetes.io/metadata.name`` naming the gateway's namespace, together with a pod
selector on the gateway's component label), never an address block, another namespace, its
own namespace's pods or every source; no egress peer may name another tenant's namespace, every
namespace, or every destination.
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
from ..gateway_config import COMPONENT_LABEL, GATEWAY_COMPONENT
from ..reads import get, is_unknown, items
from ..resource_types import NAMESPACE, NETWORK_POLICY
from ..tenant_views import tenant_namespaces

RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota"
LIMIT_RANGE = "kubernetes:core/v1:LimitRange"
NAME_LABEL = "kubernetes.io/metadata.name"
"""Set by Kubernetes on every namespace: the only namespace selector a tenant cannot forge."""


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


def gateway_namespaces(resources: list[PolicyResource]) -> set[str]:
    """Namespaces labelled as the gateway's (``components/gateway.py`` labels its namespace)."""
    return {
        k8s.name_of(r.props)
        for r in resources
        if r.resource_type == NAMESPACE
        and k8s.labels_of(r.props).get(COMPONENT_LABEL) == GATEWAY_COMPONENT
    }


def _ingress_peer_problem(peer: object, gateways: set[str]) -> str | None:
    """Why an ingress peer admits more than the gateway's pods; None when it does not."""
    if get(peer, "ipBlock") is not None:
        return f"admits addresses {get(peer, 'ipBlock', 'cidr')}"
    selector = get(peer, "namespaceSelector")
    if is_unknown(selector):
        return None
    if selector is None:
        return "admits other pods of its own namespace"
    namespace = get(selector, "matchLabels", NAME_LABEL)
    if is_unknown(namespace):
        return None
    if namespace not in gateways:
        return f"admits namespace {namespace or 'any (empty selector)'}"
    component = get(peer, "podSelector", "matchLabels", COMPONENT_LABEL)
    if component != GATEWAY_COMPONENT and not is_unknown(component):
        return f"admits every pod of {namespace}, not only the gateway's"
    return None


def _egress_peer_problem(peer: object, own: str, tenants: set[str]) -> str | None:
    selector = get(peer, "namespaceSelector")
    if selector is None or is_unknown(selector):
        return None
    namespace = get(selector, "matchLabels", NAME_LABEL)
    if namespace is None and not get(selector, "matchExpressions"):
        return "lets pods call every namespace"
    if isinstance(namespace, str) and namespace in tenants and namespace != own:
        return f"lets pods call tenant namespace {namespace}"
    return None


def network_problems(
    policy: PolicyResource, own: str, tenants: set[str], gateways: set[str]
) -> list[str]:
    """What a NetworkPolicy in tenant namespace ``own`` admits beyond the boundary."""
    spec = get(policy.props, "spec", default={})
    found: list[str] = []
    for rule in items(get(spec, "ingress")):
        peers = list(items(get(rule, "from")))
        found += [] if peers else ["admits every source"]
        found += [p for p in (_ingress_peer_problem(x, gateways) for x in peers) if p]
    for rule in items(get(spec, "egress")):
        peers = list(items(get(rule, "to")))
        found += [] if peers else ["lets pods call every destination"]
        found += [p for p in (_egress_peer_problem(x, own, tenants) for x in peers) if p]
    return found


def _check(args: StackValidationArgs, report: ReportViolation) -> None:
    owned = list(tenant_namespaces(args.resources))
    tenants = {namespace for _, namespace, _ in owned}
    gateways = gateway_namespaces(args.resources)
    for tenant, namespace, resource in owned:
        missing = _missing(namespace, args.resources)
        if missing:
            report(
                f"tenant {tenant!r}: namespace {namespace!r} lacks {', '.join(missing)}; "
                "build it with TenantNamespace (components/tenant_namespace.py), which creates "
                "the quota and limit range from the tenant's settings and denies traffic both ways",
                resource.urn,
            )
        for policy in args.resources:
            if (
                policy.resource_type != NETWORK_POLICY
                or k8s.namespace_of(policy.props) != namespace
            ):
                continue
            problems = network_problems(policy, namespace, tenants, gateways)
            if problems:
                report(
                    f"tenant {tenant!r}: NetworkPolicy {namespace}/{k8s.name_of(policy.props)} "
                    f"{'; '.join(sorted(set(problems)))}; a server admits only the gateway's pods "
                    f"(namespace {', '.join(sorted(gateways)) or 'of the gateway'}, "
                    f"{COMPONENT_LABEL}={GATEWAY_COMPONENT}) and calls only DNS, the collector "
                    "and its catalog entry's egress (components/tenant_network.py)",
                    policy.urn,
                )


tenant_namespace_isolated = StackValidationPolicy(
    name="tenant-namespace-isolated",
    description=(
        "Every tenant namespace has a ResourceQuota, a LimitRange and default-deny ingress "
        "and egress NetworkPolicies; its pods admit only the gateway's pods and call no "
        "other tenant's namespace."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={}),
)
