"""``traffic-via-gateway``: nothing reaches a server except through the MCP gateway.

The gateway verifies every token, keeps tenants apart, refuses unapproved tools and limits
each tenant; a path around it skips all of that. Three ways around it are refused:

- a TargetGroupBinding registering anything but the gateway's Service in the gateway's
  namespace (the ALB would send requests straight to those pods);
- a Service of type LoadBalancer or NodePort, or an Ingress, in a server's or tenant's
  namespace (or labelled for a server or tenant): each opens a server to outside callers;
- a listener or listener rule forwarding to a target group other than the gateway's (the
  one its TargetGroupBinding fills), found by ARN or, while ARNs are unknown in a preview,
  by the property dependencies the engine records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .. import kubernetes_views as k8s
from ..contract import FLEET_SERVER, SERVER, SHARED_TENANT, TENANT
from ..reads import get, is_unknown, items
from ..resource_types import (
    LISTENER,
    LISTENER_RULE,
    NAMESPACE,
    SERVICE,
    TARGET_GROUP,
    TARGET_GROUP_BINDING,
    both_modules,
)
from ..rule_config import config_with_defaults
from ..tenant_views import tenant_namespaces

TARGET_GROUPS = both_modules(TARGET_GROUP)
ACTIONS_OF = {
    **dict.fromkeys(both_modules(LISTENER), "defaultActions"),
    **dict.fromkeys(both_modules(LISTENER_RULE), "actions"),
}
INGRESSES = (
    "kubernetes:networking.k8s.io/v1:Ingress",
    "kubernetes:networking.k8s.io/v1beta1:Ingress",
    "kubernetes:extensions/v1beta1:Ingress",
)
EXPOSING_SERVICE_TYPES = ("LoadBalancer", "NodePort")

SCHEMA = PolicyConfigSchema(
    properties={
        "gatewayNamespace": {
            "type": "string",
            "default": "mcp-gateway",
            "description": "The namespace the MCP gateway runs in.",
        },
        "gatewayService": {
            "type": "string",
            "default": "mcp-gateway",
            "description": "The gateway's Service: the only one a TargetGroupBinding may bind.",
        },
    }
)


@dataclass
class GatewayTargets:
    """The gateway's target groups, by ARN where known and by URN."""

    arns: set[str] = field(default_factory=set)
    urns: set[str] = field(default_factory=set)


def _is_gateway_binding(binding: PolicyResource, namespace: str, service: str) -> bool | None:
    """Whether the binding registers the gateway's Service; ``None`` while unknown."""
    found = (k8s.namespace_of(binding.props), get(binding.props, "spec", "serviceRef", "name"))
    if any(is_unknown(value) for value in found):
        return None
    return found == (namespace, service)


def _gateway_targets(
    resources: list[PolicyResource], bindings: list[PolicyResource]
) -> GatewayTargets:
    targets = GatewayTargets()
    for binding in bindings:
        arn = get(binding.props, "spec", "targetGroupARN")
        if isinstance(arn, str) and not is_unknown(arn):
            targets.arns.add(arn)
        for dependency in binding.property_dependencies.get("spec", []):
            if dependency.resource_type in TARGET_GROUPS:
                targets.urns.add(dependency.urn)
    for group in resources:
        if group.resource_type not in TARGET_GROUPS:
            continue
        arn = get(group.props, "arn")
        if isinstance(arn, str) and arn in targets.arns:
            targets.urns.add(group.urn)
        elif group.urn in targets.urns and isinstance(arn, str) and not is_unknown(arn):
            targets.arns.add(arn)
    return targets


def _forwarded_arns(actions: object) -> list[object]:
    """Every target group ARN the actions forward to (simple and weighted forwards)."""
    found: list[object] = []
    for action in items(actions):
        if get(action, "type") != "forward":
            continue
        if get(action, "targetGroupArn") is not None:
            found.append(get(action, "targetGroupArn"))
        found += [get(group, "arn") for group in items(get(action, "forward", "targetGroups"))]
    return found


def _stray_forwards(
    resource: PolicyResource, key: str, gateway: GatewayTargets, names: dict[str, str]
) -> list[str]:
    """The target groups ``resource`` forwards to that are not the gateway's, in words."""
    arns = _forwarded_arns(get(resource.props, key))
    stray = [
        names.get(arn, arn)
        for arn in arns
        if isinstance(arn, str) and not is_unknown(arn) and arn not in gateway.arns
    ]
    if any(is_unknown(arn) for arn in arns):
        stray += [
            dependency.name
            for dependency in resource.property_dependencies.get(key, [])
            if dependency.resource_type in TARGET_GROUPS and dependency.urn not in gateway.urns
        ]
    return sorted(set(stray))


def _labelled_for_a_server(resource: PolicyResource) -> bool:
    labels = k8s.labels_of(resource.props)
    server, tenant = labels.get(SERVER), labels.get(TENANT)
    return (isinstance(server, str) and server not in ("", FLEET_SERVER)) or (
        isinstance(tenant, str) and tenant not in ("", SHARED_TENANT)
    )


def _server_namespaces(resources: list[PolicyResource], gateway_namespace: str) -> set[str]:
    """Tenants' namespaces and every namespace holding an object labelled for a server."""
    found = {namespace for _, namespace, _ in tenant_namespaces(resources)}
    for resource in resources:
        if not resource.resource_type.startswith("kubernetes:"):
            continue
        if resource.resource_type == NAMESPACE or not _labelled_for_a_server(resource):
            continue
        namespace = k8s.namespace_of(resource.props)
        if isinstance(namespace, str) and not is_unknown(namespace):
            found.add(namespace)
    found.discard(gateway_namespace)
    return found


def _exposure(resource: PolicyResource) -> str | None:
    """How ``resource`` would open pods to outside callers, or ``None``."""
    if resource.resource_type in INGRESSES:
        return "is an Ingress"
    if resource.resource_type == SERVICE:
        kind = get(resource.props, "spec", "type")
        if kind in EXPOSING_SERVICE_TYPES:
            return f"is a Service of type {kind}"
    return None


def _check_bindings(
    bindings: list[PolicyResource], namespace: str, service: str, report: ReportViolation
) -> None:
    for binding in bindings:
        if _is_gateway_binding(binding, namespace, service) is False:
            bound = get(binding.props, "spec", "serviceRef", "name")
            report(
                f"TargetGroupBinding {k8s.name_of(binding.props, binding.name)!r} registers "
                f"Service {bound!r} in namespace {k8s.namespace_of(binding.props)!r} with the "
                f"load balancer; only the gateway's Service {service!r} in {namespace!r} may "
                "be a target, so every request passes the gateway's checks",
                binding.urn,
            )


def _check_exposure(
    resources: list[PolicyResource], gateway_namespace: str, report: ReportViolation
) -> None:
    inside = _server_namespaces(resources, gateway_namespace)
    for resource in resources:
        exposure = _exposure(resource)
        namespace = k8s.namespace_of(resource.props)
        if exposure is None or not (namespace in inside or _labelled_for_a_server(resource)):
            continue
        report(
            f"{k8s.name_of(resource.props, resource.name)!r} in namespace {namespace!r} "
            f"{exposure}: it opens a server to callers around the gateway; servers take a "
            "ClusterIP Service and are reached only through the gateway",
            resource.urn,
        )


def _check_forwards(
    resources: list[PolicyResource],
    gateway_bindings: list[PolicyResource],
    report: ReportViolation,
) -> None:
    gateway = _gateway_targets(resources, gateway_bindings)
    names = {
        get(r.props, "arn"): r.name
        for r in resources
        if r.resource_type in TARGET_GROUPS and isinstance(get(r.props, "arn"), str)
    }
    for resource in resources:
        key = ACTIONS_OF.get(resource.resource_type)
        stray = _stray_forwards(resource, key, gateway, names) if key else []
        if stray:
            report(
                f"{resource.name!r} forwards to target group(s) {', '.join(stray)}, not the "
                "gateway's (the one the gateway Service's TargetGroupBinding fills); forward "
                "only to the gateway, which routes each server by path",
                resource.urn,
            )


def _check(args: StackValidationArgs, report: ReportViolation) -> None:
    config = config_with_defaults(args, SCHEMA)
    namespace, service = str(config["gatewayNamespace"]), str(config["gatewayService"])
    resources = list(args.resources)
    bindings = [r for r in resources if r.resource_type == TARGET_GROUP_BINDING]
    _check_bindings(bindings, namespace, service, report)
    _check_exposure(resources, namespace, report)
    gateway_bindings = [b for b in bindings if _is_gateway_binding(b, namespace, service)]
    _check_forwards(resources, gateway_bindings, report)


traffic_via_gateway = StackValidationPolicy(
    name="traffic-via-gateway",
    description=(
        "Nothing routes to a server except through the MCP gateway: the load balancer's only "
        "target is the gateway's Service, and no LoadBalancer/NodePort Service or Ingress "
        "exposes a server's or tenant's namespace."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.CRITICAL,
    remediation_steps=(
        "Build the load balancer with LoadBalancer (components/load_balancer.py), which binds "
        "only the gateway's Service and forwards only to its target group; give servers "
        "ClusterIP Services and no Ingress."
    ),
)
