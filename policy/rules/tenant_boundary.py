"""``tenant-boundary``: a tenant's server objects live in that tenant's namespace only.

The namespace is the isolation boundary (quota, NetworkPolicy, secrets): a Deployment,
Service or policy object labelled for tenant A in tenant B's namespace would sit inside
B's boundary and reach B's secrets, and B's traffic would reach it. A signed server is
also only run for a tenant its catalog entry allows (``catalog-approved-image``), so
together a server's namespace and its routes belong to an allowed tenant.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from .. import kubernetes_views as k8s
from ..contract import SHARED_TENANT, TENANT
from ..reads import is_unknown
from ..resource_types import (
    DEPLOYMENT,
    HORIZONTAL_POD_AUTOSCALER,
    NETWORK_POLICY,
    POD_DISRUPTION_BUDGET,
    ROLLOUT,
    SERVICE,
    SERVICE_ACCOUNT,
    TARGET_GROUP_BINDING,
)

JUDGED = frozenset(
    {
        DEPLOYMENT,
        ROLLOUT,
        SERVICE,
        SERVICE_ACCOUNT,
        POD_DISRUPTION_BUDGET,
        HORIZONTAL_POD_AUTOSCALER,
        NETWORK_POLICY,
        TARGET_GROUP_BINDING,
    }
)


def tenant_namespace(tenant: str) -> str:
    """The namespace of a tenant (``stacks.fleet_plan.tenant_namespace``, the same rule)."""
    return f"mcp-{tenant}"


def _check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in JUDGED:
        return
    tenant = k8s.labels_of(args.props).get(TENANT)
    if not isinstance(tenant, str) or not tenant or tenant == SHARED_TENANT:
        return
    namespace = k8s.namespace_of(args.props)
    if is_unknown(namespace):
        return
    expected = tenant_namespace(tenant)
    if namespace != expected:
        report(
            f"{k8s.name_of(args.props, args.name)!r} is labelled for tenant {tenant!r} but "
            f"lives in namespace {namespace!r}; a tenant's objects belong in {expected!r}",
            None,
        )


tenant_boundary = ResourceValidationPolicy(
    name="tenant-boundary",
    description=(
        "Every Kubernetes object labelled for a tenant (server workloads, Services, "
        "autoscalers, budgets, NetworkPolicies, bindings) lives in that tenant's namespace."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={}),
    severity=Severity.HIGH,
    remediation_steps=(
        "Create a tenant's servers through Platform/McpServer, which place them in "
        "mcp-TENANT; set the server's tenant in the stack file rather than the namespace."
    ),
)
