"""Platform: everything one environment runs, and the one place Settings become Args.

Every other component takes only the inputs it needs; ``Platform`` turns the validated
``Settings`` into those Args (``components/platform_args.py``), with every per-environment
decision taken in ``components/environment_policy.py``. The Kubernetes provider is made here
from the stack's cluster and handed down through ``opts.providers``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pulumi

from components.audit_trail import AuditTrail
from components.backups import Backups
from components.cluster_access import cluster_provider
from components.fleet import McpServer
from components.gateway import Gateway
from components.labels import SHARED_TENANT
from components.load_balancer import LoadBalancer
from components.network import load_balancer_cidrs
from components.observability import Observability
from components.otel_collector import OtelCollector
from components.platform_args import (
    backups_args,
    gateway_args,
    load_balancer_args,
    observability_args,
    server_args,
    waf_args,
)
from components.platform_audit import (
    audit_delivery,
    audit_trail_args,
    collector_args,
    server_telemetry,
)
from components.platform_delivery import (
    after_rollout_controller,
    rollout_abort_alarm,
    rollout_controller,
)
from components.platform_log_routes import with_log_routes
from components.platform_tenants import build_tenant, tenant_observability_args
from components.slo_math import Severity
from components.tenant_observability import TenantObservability
from components.waf import WebApplicationFirewall
from policy.contract import component_type
from stacks.fleet_plan import Settings


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

        # Every declared tenant, with or without servers yet, gets its boundary and limits.
        declared = list(settings.tenant_settings)
        self.tenants = {t.name: build_tenant(name, settings, t, self, on_cluster) for t in declared}
        cidrs = load_balancer_cidrs(settings.network.public_subnet_ids, parent=self)
        # Progressive delivery: the Argo Rollouts controller and its CRDs come before any
        # server's Rollout (components/platform_delivery.py).
        self.rollout_controller = rollout_controller(name, settings, on_cluster)
        on_cluster = after_rollout_controller(on_cluster, self.rollout_controller)
        self.servers = self._servers(name, settings, on_cluster)
        self.gateway = Gateway(f"{name}-gateway", gateway_args(settings, cidrs), opts=on_cluster)
        # The ALB's one backend is the gateway's Service: created first, its name flows in.
        self.load_balancer = LoadBalancer(
            f"{name}-lb", load_balancer_args(settings, self.gateway), opts=on_cluster
        )
        self.waf = WebApplicationFirewall(
            f"{name}-waf",
            waf_args(settings, self.load_balancer.arn),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.observability = Observability(
            f"{name}-observability",
            with_log_routes(
                observability_args(
                    settings,
                    self.load_balancer.arn_suffix,
                    self.load_balancer.gateway_target_group.arn_suffix,
                ),
                settings,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.rollout_aborts = rollout_abort_alarm(name, settings, self.observability, self)
        self.tenant_observability = {
            tenant.name: TenantObservability(
                f"{name}-tenant-{tenant.name}-observability",
                tenant_observability_args(
                    settings,
                    tenant,
                    self.tenants[tenant.name].key.arn,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for tenant in declared
        }
        self.collector, self.audit = self._telemetry_and_audit(name, settings, on_cluster)
        self.backups = Backups(
            f"{name}-backups",
            # A stale backup pages (nobody in dev unless observability.pageFromDev).
            backups_args(settings, self.observability.routing.actions(Severity.PAGE)),
            opts=on_cluster,
        )
        self.register_outputs(
            {
                "environment": settings.environment.value,
                "namespaces": {t: parts.namespace.namespace for t, parts in self.tenants.items()},
                "servers": {n: s.service_name for n, s in self.servers.items()},
                "load_balancer_dns": self.load_balancer.dns_name,
                "web_acl_arn": self.waf.web_acl_arn,
                "page_topic_arn": self.observability.page_topic_arn,
                "dashboards": list(self.observability.dashboards),
                "backup_bucket": self.backups.bucket.bucket_name,
                "audit_bucket": self.audit.bucket_name,
                "otel_collector_endpoint": self.collector.endpoint_grpc,
            }
        )

    def _servers(
        self,
        name: str,
        settings: Settings,
        on_cluster: pulumi.ResourceOptions,
    ) -> dict[str, McpServer]:
        """One McpServer per planned server, in its tenant's namespace with its secrets and
        the ``OTEL_*`` environment pointing at the cluster's collector."""
        return {
            server.name: McpServer(
                f"{name}-{server.name}",
                replace(
                    server_args(settings, server, self.tenants[server.tenant].namespace.namespace),
                    secrets=self.tenants[server.tenant].server_secrets(server.name),
                    telemetry=server_telemetry(settings, server),
                ),
                opts=on_cluster,
            )
            # A remote catalog server runs elsewhere: the gateway routes to it, nothing here.
            for server in settings.servers
            if server.entry.remote is None
        }

    def _telemetry_and_audit(
        self, name: str, settings: Settings, on_cluster: pulumi.ResourceOptions
    ) -> tuple[OtelCollector, AuditTrail]:
        """The cluster's OpenTelemetry collector and the audit trail (issue 13)."""
        collector = OtelCollector(
            f"{name}-otel-collector", collector_args(settings), opts=on_cluster
        )
        audit = AuditTrail(
            f"{name}-audit", audit_trail_args(settings), opts=pulumi.ResourceOptions(parent=self)
        )
        # The sealing CronJob and the control-plane audit log check (components/platform_audit).
        audit_delivery(name, settings, audit, on_cluster, self.observability.routing)
        return collector, audit


__all__ = ["SHARED_TENANT", "Platform", "PlatformArgs"]
