"""A tenant's namespace: the Kubernetes boundary around its servers.

Pod Security "restricted" enforced, a ResourceQuota and LimitRange from the tenant's settings,
and network isolation in both directions: everything denied, then for every pod of the tenant
only DNS answers from kube-dns and the platform's own dependencies (the telemetry collector).
What a server admits (the gateway's pods on its port) and calls (its catalog's declared
egress) is its own NetworkPolicy (``components/tenant_network.py``), for its pods alone. A
tenant without servers yet gets the whole boundary all the same. Nothing admits another
tenant's namespace, so no pod of one tenant reaches another's servers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.pod_security import restricted_namespace
from components.tenant_network import (
    NAMESPACE_NAME_LABEL,
    EgressDependency,
    egress_rule,
    namespace_selector,
    ports,
)
from policy.contract import component_type
from stacks.tenant_settings import ContainerDefaults, TenantQuota

DNS_NAMESPACE = "kube-system"
DNS_POD_LABELS = {"k8s-app": "kube-dns"}
"""CoreDNS on EKS keeps the kube-dns label for compatibility."""
DNS_PORT = 53

__all__ = ["NAMESPACE_NAME_LABEL", "EgressDependency", "TenantNamespace", "TenantNamespaceArgs"]


@dataclass(frozen=True)
class TenantNamespaceArgs:
    tenant: str
    namespace: str
    labels: Mapping[str, str]
    """The tenant's standard labels (tenant, owner, environment), on every object."""
    quota: TenantQuota
    container_defaults: ContainerDefaults
    tenant_namespaces: frozenset[str]
    """Every tenant namespace of the stack: a dependency inside another tenant's is refused."""
    dependencies: Sequence[EgressDependency] = field(default_factory=tuple)
    """What every pod of the tenant may call besides DNS: the platform's collector."""
    namespace_resource_name: str | None = None
    """Only to adopt a namespace created before this component (``Platform``'s
    ``<platform>-ns-<tenant>``): keep its resource name and pass ``namespace_aliases`` with its
    old parent, so Pulumi moves it instead of deleting it with every pod inside."""
    namespace_aliases: Sequence[pulumi.Alias] = field(default_factory=tuple)

    def problems(self) -> list[str]:
        found = [
            problem
            for dependency in self.dependencies
            for problem in dependency.problems(self.tenant_namespaces, self.namespace)
        ]
        if self.namespace not in self.tenant_namespaces:
            found.append(f"{self.namespace} is missing from tenant_namespaces")
        return found


def resource_quota_hard(quota: TenantQuota) -> dict[str, str]:
    """The ResourceQuota's ``hard``: what ``stacks.tenant_settings.check_quota_fits`` checked."""
    return {
        "requests.cpu": f"{round(quota.cpu_cores * 1000)}m",
        "requests.memory": f"{quota.memory_mib}Mi",
        "pods": str(quota.pods),
        "services": str(quota.services),
        "services.loadbalancers": "0",
        "services.nodeports": "0",
    }


def limit_range_limits(defaults: ContainerDefaults) -> list[k8s.core.v1.LimitRangeItemArgs]:
    return [
        k8s.core.v1.LimitRangeItemArgs(
            type="Container",
            default_request={
                "cpu": f"{defaults.cpu_request_millicores}m",
                "memory": f"{defaults.memory_request_mib}Mi",
            },
            default={
                "cpu": f"{defaults.cpu_limit_millicores}m",
                "memory": f"{defaults.memory_limit_mib}Mi",
            },
        )
    ]


class TenantNamespace(pulumi.ComponentResource):
    """Namespace (restricted), ResourceQuota, LimitRange and the NetworkPolicies isolating it."""

    namespace: pulumi.Output[str]

    def __init__(
        self, name: str, args: TenantNamespaceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = args.problems()
        if problems:
            raise ValueError(f"TenantNamespace {args.tenant}: " + "; ".join(problems))
        super().__init__(component_type("tenancy", "TenantNamespace"), name, None, opts)
        labels = dict(args.labels)
        created = restricted_namespace(
            args.namespace_resource_name or f"{name}-namespace",
            args.namespace,
            labels,
            pulumi.ResourceOptions(parent=self, aliases=list(args.namespace_aliases) or None),
        )
        self.namespace = created.metadata.name
        in_namespace = pulumi.ResourceOptions(parent=created)

        def metadata(object_name: str) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(
                name=object_name, namespace=self.namespace, labels=labels
            )

        k8s.core.v1.ResourceQuota(
            f"{name}-quota",
            metadata=metadata("tenant-quota"),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(hard=resource_quota_hard(args.quota)),
            opts=in_namespace,
        )
        k8s.core.v1.LimitRange(
            f"{name}-limits",
            metadata=metadata("tenant-defaults"),
            spec=k8s.core.v1.LimitRangeSpecArgs(limits=limit_range_limits(args.container_defaults)),
            opts=in_namespace,
        )
        for policy_name, spec in network_policies(args).items():
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{policy_name}",
                metadata=metadata(policy_name),
                spec=spec,
                opts=in_namespace,
            )
        self.register_outputs({"namespace": self.namespace})


def network_policies(
    args: TenantNamespaceArgs,
) -> dict[str, k8s.networking.v1.NetworkPolicySpecArgs]:
    """Deny egress (ingress is denied by the restricted namespace), then DNS and the
    dependencies every pod shares; servers' own policies admit the gateway."""
    every_pod = k8s.meta.v1.LabelSelectorArgs()
    policies = {
        "default-deny-egress": k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=every_pod, policy_types=["Egress"]
        ),
        "allow-dns-egress": k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=every_pod,
            policy_types=["Egress"],
            egress=[
                k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                    to=[
                        k8s.networking.v1.NetworkPolicyPeerArgs(
                            namespace_selector=namespace_selector(DNS_NAMESPACE),
                            pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=DNS_POD_LABELS),
                        )
                    ],
                    ports=[*ports([DNS_PORT], "UDP"), *ports([DNS_PORT], "TCP")],
                )
            ],
        ),
    }
    if args.dependencies:
        policies["allow-dependencies-egress"] = k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=every_pod,
            policy_types=["Egress"],
            egress=[egress_rule(dependency) for dependency in args.dependencies],
        )
    return policies
