"""Platform: everything one environment runs, and the one place Settings become Args.

Every other component takes only the inputs it needs; ``Platform`` turns the validated
``Settings`` into those Args (``components/platform_args.py``), with every per-environment
decision taken in ``components/environment_policy.py``. The Kubernetes provider is made here
from the stack's cluster and handed down through ``opts.providers``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.backups import Backups
from components.cluster_access import cluster_provider
from components.fleet import McpServer
from components.gateway import Gateway
from components.labels import SHARED_TENANT, TENANT, kubernetes_labels
from components.load_balancer import LoadBalancer
from components.network import load_balancer_cidrs
from components.observability import Observability
from components.platform_args import (
    backups_args,
    fleet_of,
    gateway_args,
    load_balancer_args,
    observability_args,
    server_args,
    waf_args,
)
from components.pod_security import restricted_namespace
from components.slo_math import Severity
from components.waf import WebApplicationFirewall
from policy.contract import component_type
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
    waf: WebApplicationFirewall

    def __init__(
        self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("platform", "Platform"), name, None, opts)
        settings = args.settings
        self.kubernetes = cluster_provider(
            f"{name}-cluster", settings.cluster.name, settings.region, parent=self
        )
        on_cluster = pulumi.ResourceOptions(parent=self, providers=[self.kubernetes])

        self.namespaces = {
            tenant: self._tenant_namespace(name, settings, tenant) for tenant in settings.tenants
        }
        cidrs = load_balancer_cidrs(settings.network.public_subnet_ids, parent=self)
        self.servers = {
            server.name: McpServer(
                f"{name}-{server.name}",
                server_args(settings, server, self.namespaces[server.tenant].metadata.name, cidrs),
                opts=on_cluster,
            )
            for server in settings.servers
        }
        self.gateway = Gateway(f"{name}-gateway", gateway_args(settings, cidrs), opts=on_cluster)
        self.load_balancer = LoadBalancer(
            f"{name}-lb", load_balancer_args(settings, self.servers), opts=on_cluster
        )
        self.waf = WebApplicationFirewall(
            f"{name}-waf",
            waf_args(settings, self.load_balancer.arn),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.observability = Observability(
            f"{name}-observability",
            observability_args(
                settings,
                self.load_balancer.arn_suffix,
                {
                    server: group.arn_suffix
                    for server, group in self.load_balancer.target_groups.items()
                },
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.backups = Backups(
            f"{name}-backups",
            # A stale backup pages (nobody in dev unless observability.pageFromDev).
            backups_args(settings, self.observability.routing.actions(Severity.PAGE)),
            opts=on_cluster,
        )
        self.register_outputs(
            {
                "environment": settings.environment.value,
                "namespaces": {t: ns.metadata.name for t, ns in self.namespaces.items()},
                "servers": {n: s.service_name for n, s in self.servers.items()},
                "load_balancer_dns": self.load_balancer.dns_name,
                "web_acl_arn": self.waf.web_acl_arn,
                "page_topic_arn": self.observability.page_topic_arn,
                "dashboards": list(self.observability.dashboards),
                "backup_bucket": self.backups.bucket.bucket_name,
            }
        )

    def _tenant_namespace(
        self, name: str, settings: Settings, tenant: str
    ) -> k8s.core.v1.Namespace:
        """A namespace per tenant: the isolation boundary, enforcing 'restricted' pods."""
        labels = kubernetes_labels(fleet_of(settings))
        labels.update({TENANT: tenant, READINESS_GATE_LABEL: "enabled"})
        return restricted_namespace(
            f"{name}-ns-{tenant}",
            tenant_namespace(tenant),
            labels,
            pulumi.ResourceOptions(parent=self, provider=self.kubernetes),
        )


__all__ = ["SHARED_TENANT", "Platform", "PlatformArgs"]
