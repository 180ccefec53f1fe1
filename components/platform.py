"""Platform: everything one environment runs, composed from the concern components."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from catalog.provenance import provenance_annotations
from components.backups import Backups, BackupsArgs
from components.cluster_access import cluster_provider
from components.fleet import McpServer, McpServerArgs
from components.labels import SHARED_TENANT, TENANT, kubernetes_labels
from components.load_balancer import LoadBalancer, LoadBalancerArgs
from components.network import load_balancer_cidrs
from components.observability import Observability, ObservabilityArgs
from components.pod_security import restricted_namespace
from components.slo_math import Severity
from stacks.fleet_plan import Settings, tenant_namespace

READINESS_GATE_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject"
"""Lets the AWS Load Balancer Controller hold a rollout until new pods are healthy targets."""


@dataclass(frozen=True)
class PlatformArgs:
    settings: Settings


class Platform(pulumi.ComponentResource):
    """Tenant namespaces, one McpServer per server, and the shared AWS resources."""

    servers: dict[str, McpServer]
    load_balancer: LoadBalancer
    observability: Observability
    backups: Backups

    def __init__(
        self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mcp-fleet:platform:Platform", name, None, opts)
        settings = args.settings
        self.kubernetes = cluster_provider(f"{name}-cluster", settings, parent=self)
        on_cluster = pulumi.ResourceOptions(parent=self, provider=self.kubernetes)

        self.namespaces = {
            tenant: self._tenant_namespace(name, settings, tenant, on_cluster)
            for tenant in settings.tenants
        }
        cidrs = load_balancer_cidrs(settings, parent=self)
        self.servers = {
            server.name: McpServer(
                f"{name}-{server.name}",
                McpServerArgs(
                    settings=settings,
                    server=server,
                    namespace=self.namespaces[server.tenant].metadata.name,
                    load_balancer_cidrs=cidrs,
                    deployment_annotations=provenance_annotations(server.entry),
                ),
                opts=on_cluster,
            )
            for server in settings.servers
        }
        self.load_balancer = LoadBalancer(
            f"{name}-lb",
            LoadBalancerArgs(
                settings=settings, servers=self.servers, kubernetes_provider=self.kubernetes
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.observability = Observability(
            f"{name}-observability",
            ObservabilityArgs(
                settings=settings,
                load_balancer_arn_suffix=self.load_balancer.arn_suffix,
                target_group_arn_suffixes={
                    server: group.arn_suffix
                    for server, group in self.load_balancer.target_groups.items()
                },
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.backups = Backups(
            f"{name}-backups",
            BackupsArgs(
                settings=settings,
                kubernetes_provider=self.kubernetes,
                # A stale backup pages (nobody in dev unless observability.pageFromDev).
                alarm_actions=self.observability.alarm_actions(Severity.PAGE),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {
                "environment": settings.environment.value,
                "namespaces": {t: ns.metadata.name for t, ns in self.namespaces.items()},
                "servers": {n: s.service_name for n, s in self.servers.items()},
                "load_balancer_dns": self.load_balancer.dns_name,
                "page_topic_arn": self.observability.page_topic_arn,
                "dashboards": list(self.observability.dashboards),
                "backup_bucket": self.backups.bucket.bucket_name,
            }
        )

    def _tenant_namespace(
        self, name: str, settings: Settings, tenant: str, opts: pulumi.ResourceOptions
    ) -> k8s.core.v1.Namespace:
        """A namespace per tenant: the isolation boundary, enforcing 'restricted' pods."""
        labels = kubernetes_labels(settings)
        labels.update({TENANT: tenant, READINESS_GATE_LABEL: "enabled"})
        return restricted_namespace(f"{name}-ns-{tenant}", tenant_namespace(tenant), labels, opts)


__all__ = ["SHARED_TENANT", "Platform", "PlatformArgs"]
