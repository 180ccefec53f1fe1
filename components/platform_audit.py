"""Settings to the Args of the audit trail and the collector, and each server's telemetry.

``Platform`` calls these; per-environment values (the lock's default, protection) come from
``environment_policy``, physical names from ``Naming``. The collector's image is the signed
platform entry ``catalog/platform/otel-collector.yaml``, stamped on its Deployment like the
gateway's, so the pack judges it as it judges a server.
"""

from __future__ import annotations

import pulumi

from catalog.platform_image import load_platform_entry
from catalog.provenance import provenance_annotations
from components.audit_control_plane import check_control_plane_audit
from components.audit_retention import LockRetention
from components.audit_seal_alarm import audit_seal_lag_alarm
from components.audit_sealer import AuditSealer, AuditSealerArgs
from components.audit_trail import AuditTrail, AuditTrailArgs, audit_log_group_name
from components.labels import kubernetes_labels, standard_tags
from components.log_routing import LogRoute, audit_route
from components.otel_collector import OtelCollectorArgs
from components.paging import AlarmRouting
from components.platform_args import fleet_of, naming, policy_of
from components.slo_math import Severity
from components.tenant_namespace import EgressDependency
from stacks.environment import Environment
from stacks.fleet_plan import PlannedServer, Settings
from telemetry.collector_config import OTLP_GRPC_PORT, OTLP_HTTP_PORT, CollectorConfigArgs
from telemetry.otel_env import ServerTelemetry, collector_endpoint

AUDIT_SEALER_NAMESPACE = "mcp-audit"
"""The sealing CronJob's own namespace: nothing else runs there."""
COLLECTOR_ENTRY = "otel-collector"
COLLECTOR_SERVICE = "otel-collector"
SERVER_OTLP_PROTOCOL = "grpc"


def audit_retention_years(settings: Settings) -> int:
    """The stack's lock if it set one (the loader refused a shorter one), else the default."""
    floor = policy_of(settings).audit.retention_years
    return settings.audit.archive_retention_years or floor


def audit_trail_args(settings: Settings) -> AuditTrailArgs:
    """The locked archive, audit log group, trail and search, named like the environment."""
    audit, policy = settings.audit, policy_of(settings)
    return AuditTrailArgs(
        name_prefix=naming(settings).environment_prefix,
        region=settings.region,
        retention=LockRetention(years=audit_retention_years(settings)),
        log_retention_days=audit.log_retention_days,
        tags=standard_tags(fleet_of(settings)),
        break_glass_role_arn=audit.break_glass_role_arn,
        key_deletion_window_days=policy.service_key_deletion_window_days,
        protect=policy.audit.protect,
    )


def audit_log_route(settings: Settings) -> LogRoute:
    """Fluent Bit's extra output: the gateway namespace's lines into the audit log group."""
    return audit_route(audit_log_group_name(naming(settings).environment_prefix))


def audit_sealer_args(settings: Settings, audit: AuditTrail) -> AuditSealerArgs:
    """The CronJob sealing the audit group into this trail's archive, from the ops image."""
    return AuditSealerArgs(
        name_prefix=naming(settings).environment_prefix,
        namespace=AUDIT_SEALER_NAMESPACE,
        oidc_provider_arn=settings.cluster.oidc_provider_arn,
        ops_image=settings.backups.ops_image,
        region=settings.region,
        bucket_name=audit.bucket_name,
        log_group_name=audit.log_group_name,
        writer_policy_arn=audit.writer_policy_arn,
        retention_years=audit_retention_years(settings),
        labels=kubernetes_labels(fleet_of(settings)),
        tags=standard_tags(fleet_of(settings)),
    )


def audit_delivery(
    name: str,
    settings: Settings,
    audit: AuditTrail,
    on_cluster: pulumi.ResourceOptions,
    routing: AlarmRouting | None = None,
) -> AuditSealer:
    """``Platform``'s one call for issue 13's delivery: the sealer on the cluster, writing
    into ``audit``, its seal-lag alarm (pages in prod, tickets in staging; none without
    ``routing``), and the warning when the cluster's control-plane audit log is off."""
    args = audit_sealer_args(settings, audit)
    sealer = AuditSealer(f"{name}-audit-sealer", args, on_cluster)
    severity = Severity.PAGE if settings.environment is Environment.PROD else Severity.TICKET
    audit_seal_lag_alarm(
        f"{name}-audit-seal-lag",
        name_prefix=args.name_prefix,
        log_group_name=args.log_group_name,
        schedule=args.schedule,
        settle_seconds=args.settle_seconds,
        alarm_actions=routing.actions(severity) if routing else [],
        tags=args.tags,
        opts=pulumi.ResourceOptions(parent=sealer),
    )
    check_control_plane_audit(settings.cluster.name, settings.region, sealer)
    return sealer


def collector_args(settings: Settings) -> OtelCollectorArgs:
    """The cluster's collector: the pinned platform image, exporting to X-Ray and EMF."""
    telemetry, prefix = settings.telemetry, naming(settings).environment_prefix
    entry = load_platform_entry(COLLECTOR_ENTRY)
    return OtelCollectorArgs(
        name_prefix=prefix,
        namespace=telemetry.namespace,
        image=entry.image,
        config=CollectorConfigArgs(
            environment=settings.environment.value,
            cluster=settings.cluster.name,
            region=settings.region,
            metrics_namespace=telemetry.metrics_namespace,
            metrics_log_group=f"/{prefix}/otel/metrics",
        ),
        oidc_provider_arn=settings.cluster.oidc_provider_arn,
        labels=kubernetes_labels(fleet_of(settings)),
        tags=standard_tags(fleet_of(settings)),
        metrics_log_retention_days=telemetry.metrics_log_retention_days,
        replicas=telemetry.replicas,
        service_name=COLLECTOR_SERVICE,
        deployment_annotations=provenance_annotations(entry),
    )


def server_telemetry(settings: Settings, server: PlannedServer) -> ServerTelemetry:
    """What a server's ``OTEL_*`` variables say: who it is and where the collector listens."""
    return ServerTelemetry(
        service_name=server.name,
        tenant=server.tenant,
        environment=settings.environment.value,
        version=server.entry.version,
        endpoint=collector_endpoint(
            COLLECTOR_SERVICE, settings.telemetry.namespace, SERVER_OTLP_PROTOCOL
        ),
        protocol=SERVER_OTLP_PROTOCOL,
        sample_ratio=settings.telemetry.sample_ratio,
    )


def collector_egress(settings: Settings) -> EgressDependency:
    """A tenant namespace's egress to the collector's OTLP ports (its namespace only)."""
    return EgressDependency(
        name="otel-collector",
        ports=(OTLP_GRPC_PORT, OTLP_HTTP_PORT),
        namespace=settings.telemetry.namespace,
    )
