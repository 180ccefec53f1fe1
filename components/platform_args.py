"""Settings to component Args: the one place that reads ``Settings`` for the components.

``Platform`` calls these functions; every component below it receives only the plain values,
Inputs and resource references its Args name. Per-environment decisions come from
``environment_policy`` and physical-name prefixes from ``Naming``, both decided once here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from catalog.entry import SessionMode
from catalog.provenance import provenance_annotations, remote_entries_annotations
from components.access_log_bucket import AccessLogBucketArgs
from components.alarms import AlarmScope
from components.backup_bucket import BackupBucketArgs
from components.backup_jobs import BackupJobs
from components.backups import BackupsArgs
from components.environment_policy import EnvironmentPolicy, Naming, environment_policy
from components.fleet import McpServerArgs, Rollout
from components.gateway import SELECTOR as GATEWAY_SELECTOR
from components.gateway import Gateway
from components.gateway_args import GatewayArgs, RemoteCredential, Upstream, gateway_telemetry
from components.labels import Fleet, kubernetes_labels, standard_tags
from components.load_balancer_args import GatewayTarget, LoadBalancerArgs, LoadBalancerNetwork
from components.load_balancer_names import load_balancer_name
from components.log_collection import FleetLogsArgs
from components.observability import MonitoredServer, ObservabilityArgs
from components.paging import PagingArgs, Subscribers
from components.tenant_network import GatewayPeer
from components.waf import WafArgs
from delivery.plan import RolloutInputs, RolloutPlan, TicketRoute, plan_rollout
from stacks.fleet_plan import PlannedServer, Settings
from stacks.quotas import gateway_hosts, gateway_replicas
from stacks.settings import PagingSettings

ACCESS_LOG_PREFIX = "alb"


def fleet_of(settings: Settings) -> Fleet:
    """The fleet's identity, from which every tag and label set is built."""
    return Fleet(
        project=settings.project,
        environment=settings.environment.value,
        owner=settings.fleet.owner,
        slo_success_rate=settings.slo.tool_success_rate,
        slo_p95_ms=settings.slo.p95_latency_ms,
    )


def naming(settings: Settings) -> Naming:
    return Naming(settings.project, settings.stack, settings.environment.value)


def policy_of(settings: Settings) -> EnvironmentPolicy:
    return environment_policy(
        settings.environment,
        page_from_dev=settings.observability.page_from_dev,
        load_balancer_deletion_protection=settings.load_balancer.deletion_protection,
    )


def server_args(
    settings: Settings,
    server: PlannedServer,
    namespace: pulumi.Input[str],
) -> McpServerArgs:
    fleet = settings.fleet
    return McpServerArgs(
        server=server,
        environment=settings.environment.value,
        namespace=namespace,
        # The only caller a server admits (issue 11): the gateway's pods in its namespace.
        gateway=GatewayPeer(GATEWAY_NAMESPACE, GATEWAY_SELECTOR),
        labels=kubernetes_labels(fleet_of(settings), server),
        rollout=Rollout(
            batch_percent=fleet.rollout_batch_percent,
            drain_seconds=fleet.drain_seconds,
            target_cpu_utilization=fleet.target_cpu_utilization,
        ),
        deployment_annotations=provenance_annotations(server.entry),
        delivery=rollout_plan(settings, server)
        if policy_of(settings).progressive_delivery
        else None,
    )


def rollout_plan(settings: Settings, server: PlannedServer) -> RolloutPlan:
    """The server's rollout from its effective SLO and the fleet's rollout settings.

    The session idle timeout is the load balancer's until the gateway (issue 11) has its own
    session expiry. The analysis reads the gateway's metrics of the server's tenant and name.
    """
    fleet = settings.fleet
    return plan_rollout(
        RolloutInputs(
            server=server.name,
            tenant=server.tenant,
            namespace=server.namespace,
            stage=settings.environment.value,
            tool_success_rate=server.slo.tool_success_rate,
            p95_latency_ms=server.slo.p95_latency_ms,
            stateful=server.entry.session_mode is SessionMode.STATEFUL,
            session_idle_timeout_seconds=settings.load_balancer.idle_timeout_seconds,
            drain_seconds=fleet.drain_seconds,
            batch_percent=fleet.rollout_batch_percent,
            watch_seconds=fleet.watch_seconds,
            min_replicas=server.capacity.min_replicas,
            max_replicas=server.capacity.max_replicas,
            ticket_route=TicketRoute(settings.observability.ticket.https_endpoints),
        )
    )


GATEWAY_HEALTH_PATH = "/healthz"
"""The gateway's health answer (``monitor-uri`` in ``gateway/render.py``): the ALB checks it."""


def load_balancer_args(settings: Settings, gateway: Gateway) -> LoadBalancerArgs:
    """The ALB in front of ``gateway``: its one target, at the host the gateway serves."""
    names, policy, network = naming(settings), policy_of(settings), settings.network
    balancer = settings.load_balancer
    return LoadBalancerArgs(
        load_balancer_name=load_balancer_name(names.environment_prefix),
        environment=names.environment,
        network=LoadBalancerNetwork(
            vpc_id=network.vpc_id,
            public_subnet_ids=network.public_subnet_ids,
            private_subnet_ids=network.private_subnet_ids,
            ingress_cidrs=network.ingress_cidrs,
            certificate_arn=network.certificate_arn,
        ),
        access_logs=AccessLogBucketArgs(
            bucket_prefix=f"{names.environment_prefix}-alb-logs-",
            prefix=ACCESS_LOG_PREFIX,
            retention_days=balancer.access_log_retention_days,
            force_destroy=policy.access_logs_force_destroy,
            tags=standard_tags(fleet_of(settings)),
        ),
        gateway=GatewayTarget(
            namespace=gateway.namespace,
            service_name=gateway.service_name,
            port=gateway.port,
            health_port=gateway.health_port,
            health_path=GATEWAY_HEALTH_PATH,
            labels=kubernetes_labels(fleet_of(settings)),
            service=gateway.service,
        ),
        # The gateway's public base URL is https://{network.domain} (gateway/from_settings.py).
        hosts=gateway_hosts(settings.network),
        tags=standard_tags(fleet_of(settings)),
        ssl_policy=balancer.ssl_policy,
        idle_timeout_seconds=balancer.idle_timeout_seconds,
        deletion_protection=balancer.deletion_protection,
        drain_seconds=settings.fleet.drain_seconds,
    )


def waf_args(settings: Settings, load_balancer_arn: pulumi.Input[str]) -> WafArgs:
    """The web ACL on the ALB: the stack's per-IP rate rule, named like the ALB."""
    waf = settings.load_balancer.waf
    return WafArgs(
        name_prefix=naming(settings).environment_prefix,
        load_balancer_arn=load_balancer_arn,
        requests_per_window=waf.requests_per_window,
        window_seconds=waf.window_seconds,
        tags=standard_tags(fleet_of(settings)),
    )


GATEWAY_NAMESPACE = "mcp-gateway"
GATEWAY_RUN_AS_USER = 99
"""The haproxy user of the image (Debian's package creates it as a system user)."""


def gateway_args(
    settings: Settings, load_balancer_cidrs: pulumi.Input[Sequence[str]]
) -> GatewayArgs:
    """The gateway of the stack: its config rendered from settings and the signed catalog."""
    from catalog.platform_image import load_platform_entry
    from components.platform_audit import COLLECTOR_SERVICE, SERVER_OTLP_PROTOCOL
    from gateway import lua_sources, render
    from gateway.capacity import gateway_max_replicas
    from gateway.stack_gateway import (
        credential_env,
        local_servers,
        remote_servers,
        stack_gateway_config,
    )
    from telemetry.otel_env import collector_endpoint

    entry = load_platform_entry("gateway")
    # The same count the ALB targets quota was checked against (stacks/quotas.py).
    replicas = gateway_replicas(settings.fleet)
    ports: dict[str, set[int]] = {}
    for server in local_servers(settings):
        ports.setdefault(server.namespace, set()).add(server.entry.port)
    most = gateway_max_replicas(settings, replicas, entry)
    return GatewayArgs(
        namespace=GATEWAY_NAMESPACE,
        labels=kubernetes_labels(fleet_of(settings)),
        image=entry.image,
        run_as_user=GATEWAY_RUN_AS_USER,
        config_text=render(
            stack_gateway_config(
                settings, replicas=replicas, max_replicas=most, namespace=GATEWAY_NAMESPACE
            )
        ),
        lua_sources=lua_sources(),
        # A real autoscaler: each replica enforces ceil(limit / live replicas) of a tenant's
        # rate, counting its peers at run time (gateway/gateway_replicas.lua).
        min_replicas=replicas,
        max_replicas=most,
        batch_percent=settings.fleet.rollout_batch_percent,
        drain_seconds=settings.fleet.drain_seconds,
        load_balancer_cidrs=load_balancer_cidrs,
        upstreams=tuple(
            Upstream(namespace, tuple(sorted(found))) for namespace, found in sorted(ports.items())
        ),
        remote_credentials=tuple(
            RemoteCredential(
                credential_env(server.name),
                server.entry.remote.credential_secret.name,
                server.entry.remote.credential_secret.key,
            )
            for server in remote_servers(settings)
            if server.entry.remote is not None
        ),
        telemetry=gateway_telemetry(
            settings.environment.value,
            entry.version,
            collector_endpoint(
                COLLECTOR_SERVICE, settings.telemetry.namespace, SERVER_OTLP_PROTOCOL
            ),
            SERVER_OTLP_PROTOCOL,
            settings.telemetry.sample_ratio,
        ),
        target_cpu_utilization=settings.fleet.target_cpu_utilization,
        # The signed entries of the remote servers it routes to: what the pack verifies.
        deployment_annotations={
            **provenance_annotations(entry),
            **remote_entries_annotations({s.name: s.entry for s in remote_servers(settings)}),
        },
    )


def _subscribers(paging: PagingSettings) -> Subscribers:
    return Subscribers(emails=paging.emails, https_endpoints=paging.https_endpoints)


def observability_args(
    settings: Settings,
    load_balancer_arn_suffix: pulumi.Input[str],
    gateway_target_group_arn_suffix: pulumi.Input[str],
) -> ObservabilityArgs:
    """Every server, local or remote, is watched at the gateway; the ALB's one target group
    (the gateway's) gets the fleet's load balancer alarms."""
    names, policy = naming(settings), policy_of(settings)
    tags, watched = standard_tags(fleet_of(settings)), settings.observability
    return ObservabilityArgs(
        project=settings.project,
        region=settings.region,
        paging=PagingArgs(
            name_prefix=names.stack_prefix,
            title=names.stack_title,
            region=settings.region,
            page=_subscribers(watched.page),
            ticket=_subscribers(watched.ticket),
            key_deletion_window_days=policy.service_key_deletion_window_days,
            tags=tags,
        ),
        logs=FleetLogsArgs(
            name_prefix=names.stack_prefix,
            title=names.stack_title,
            cluster_name=settings.cluster.name,
            oidc_provider_arn=settings.cluster.oidc_provider_arn,
            region=settings.region,
            retention_days=watched.log_retention_days,
            key_deletion_window_days=policy.service_key_deletion_window_days,
            tags=tags,
        ),
        alarms=AlarmScope(
            name_prefix=names.stack_prefix,
            stack=settings.stack,
            environment=names.environment,
            cluster_name=settings.cluster.name,
            saturation_percent=watched.saturation_percent,
        ),
        notify=policy.notify,
        servers=[
            MonitoredServer(server=server, tags=standard_tags(fleet_of(settings), server))
            for server in settings.servers
        ],
        load_balancer_arn_suffix=load_balancer_arn_suffix,
        gateway_target_group_arn_suffix=gateway_target_group_arn_suffix,
    )


def backups_args(settings: Settings, alarm_actions: Sequence[pulumi.Input[str]]) -> BackupsArgs:
    names, policy, backups = naming(settings), policy_of(settings), settings.backups
    tags = standard_tags(fleet_of(settings))
    return BackupsArgs(
        bucket=BackupBucketArgs(
            name_prefix=names.environment_prefix,
            title=names.environment_title,
            environment=names.environment,
            region=settings.region,
            replica_region=backups.replica_region,
            object_lock=backups.object_lock,
            retention_days=backups.retention_days,
            stateful=policy.backups,
            tags=tags,
        ),
        jobs=BackupJobs(
            environment=names.environment,
            region=settings.region,
            namespace=backups.namespace,
            oidc_provider_arn=settings.cluster.oidc_provider_arn,
            ops_image=backups.ops_image,
            rpo_minutes=backups.rpo_minutes,
            name_prefix=names.environment_prefix,
            labels=kubernetes_labels(fleet_of(settings)),
            tags=tags,
        ),
        dependencies=backups.dependencies,
        alarm_actions=alarm_actions,
    )
