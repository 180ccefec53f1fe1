"""Settings to the tenant components' Args: namespace, key, secrets and observability per tenant.

``Platform`` calls ``build_tenant`` once per declared tenant before its servers (they need the
tenant's namespace and each server's role) and ``tenant_observability_args`` for the tenant's
alerts and dashboard (its servers measured at the gateway). The namespace keeps the
resource name ``<platform>-ns-<tenant>`` it had when ``Platform`` created it directly, with an
alias to its old parent, so adopting it into ``TenantNamespace`` moves it instead of deleting
it with every pod inside.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.labels import TENANT, kubernetes_labels, standard_tags
from components.platform_args import fleet_of, naming, policy_of
from components.platform_audit import collector_egress
from components.server_secrets_mount import ServerSecretsMount
from components.tenant_key import TenantKey, TenantKeyArgs, tenant_log_group_name
from components.tenant_namespace import TenantNamespace, TenantNamespaceArgs
from components.tenant_observability import PanelInputs, TenantObservabilityArgs
from components.tenant_secrets import ServerSecrets, TenantSecrets, TenantSecretsArgs
from stacks.fleet_plan import PlannedServer, Settings
from stacks.tenant_settings import TenantSettings

SERVER_SECRETS = ("config", "credentials")
"""Every server's secrets (docs/tenancy.md): its configuration and its upstream credentials."""
READINESS_GATE_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject"
"""Lets the AWS Load Balancer Controller hold a rollout until new pods are healthy targets."""


@dataclass
class TenantParts:
    """A tenant's components, kept by ``Platform`` for its servers and outputs."""

    namespace: TenantNamespace
    key: TenantKey
    secrets: TenantSecrets

    def server_secrets(self, server: str) -> ServerSecretsMount:
        access = self.secrets.servers[server]
        return ServerSecretsMount(access.role.arn, access.secret_provider_class)


def own_servers(settings: Settings, tenant: str) -> list[PlannedServer]:
    return [server for server in settings.servers if server.tenant == tenant]


def tenant_tags(settings: Settings, tenant: str) -> dict[str, str]:
    """The fleet's tags with this tenant's value: its budget filters on the tenant tag."""
    return {**standard_tags(fleet_of(settings)), TENANT: tenant}


def tenant_namespace_args(
    settings: Settings, tenant: TenantSettings, platform_name: str, platform: pulumi.Resource
) -> TenantNamespaceArgs:
    labels = {**kubernetes_labels(fleet_of(settings)), TENANT: tenant.name}
    labels[READINESS_GATE_LABEL] = "enabled"
    return TenantNamespaceArgs(
        tenant=tenant.name,
        namespace=tenant.namespace,
        labels=labels,
        quota=tenant.quota,
        container_defaults=tenant.container_defaults,
        tenant_namespaces=frozenset(t.namespace for t in settings.tenant_settings),
        namespace_resource_name=f"{platform_name}-ns-{tenant.name}",
        namespace_aliases=(pulumi.Alias(parent=platform),),
        # Servers send OTLP to the cluster's collector (issue 13); egress is denied otherwise.
        dependencies=(collector_egress(settings),),
    )


def tenant_key_args(settings: Settings, tenant: TenantSettings) -> TenantKeyArgs:
    prefix = naming(settings).stack_prefix
    return TenantKeyArgs(
        tenant=tenant.name,
        name_prefix=prefix,
        region=settings.region,
        log_group_name=tenant_log_group_name(prefix, tenant.name),
        tags=tenant_tags(settings, tenant.name),
        deletion_window_days=policy_of(settings).service_key_deletion_window_days,
    )


def tenant_secrets_args(
    settings: Settings, tenant: TenantSettings, key_arn: pulumi.Input[str]
) -> TenantSecretsArgs:
    fleet = fleet_of(settings)
    return TenantSecretsArgs(
        stack=settings.stack,
        tenant=tenant.name,
        namespace=tenant.namespace,
        name_prefix=naming(settings).stack_prefix,
        region=settings.region,
        oidc_provider_arn=settings.cluster.oidc_provider_arn,
        servers=[
            # McpServer's ServiceAccount is named after the server.
            ServerSecrets(server.name, server.name, SERVER_SECRETS, standard_tags(fleet, server))
            for server in own_servers(settings, tenant.name)
        ],
        key_arn=key_arn,
        labels={**kubernetes_labels(fleet), TENANT: tenant.name},
    )


def build_tenant(
    platform_name: str,
    settings: Settings,
    tenant: TenantSettings,
    platform: pulumi.Resource,
    on_cluster: pulumi.ResourceOptions,
) -> TenantParts:
    """The tenant's namespace (on the cluster), key and secrets (roles, provider classes)."""
    base = f"{platform_name}-tenant-{tenant.name}"
    namespace = TenantNamespace(
        f"{base}-namespace",
        tenant_namespace_args(settings, tenant, platform_name, platform),
        on_cluster,
    )
    key = TenantKey(
        f"{base}-key", tenant_key_args(settings, tenant), pulumi.ResourceOptions(parent=platform)
    )
    secrets = TenantSecrets(
        f"{base}-secrets",
        tenant_secrets_args(settings, tenant, key.arn),
        pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[namespace])),
    )
    return TenantParts(namespace, key, secrets)


def tenant_observability_args(
    settings: Settings,
    tenant: TenantSettings,
    key_arn: pulumi.Input[str],
) -> TenantObservabilityArgs:
    """The tenant's rows are its servers measured at the gateway: no load balancer input."""
    prefix = naming(settings).stack_prefix
    return TenantObservabilityArgs(
        tenant=tenant.name,
        name_prefix=prefix,
        project=settings.project,
        stack=settings.stack,
        environment=settings.environment.value,
        region=settings.region,
        cluster=settings.cluster.name,
        namespace=tenant.namespace,
        owner_email=tenant.owner,
        key_arn=key_arn,
        log_group_name=tenant_log_group_name(prefix, tenant.name),
        log_retention_days=tenant.log_retention_days,
        monthly_budget_usd=tenant.monthly_budget_usd,
        quota_pods=tenant.quota.pods,
        tags=tenant_tags(settings, tenant.name),
        servers=[
            PanelInputs(
                name=server.name,
                tier=server.entry.tier.value,
                success_rate=server.slo.tool_success_rate,
                p95_latency_ms=server.slo.p95_latency_ms,
                tools=tuple(server.entry.approved_tools),
                remote=server.entry.remote is not None,
            )
            for server in own_servers(settings, tenant.name)
        ],
        saturation_percent=settings.observability.saturation_percent,
    )
