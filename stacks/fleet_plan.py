"""Settings after validation: stack settings joined with the catalog, capacity planned.

This is what components receive. Nothing downstream reads config or the catalog again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from catalog.entry import CatalogEntry
from stacks.audit_settings import AuditSettings, TelemetrySettings
from stacks.capacity import CapacityPlan
from stacks.environment import Environment
from stacks.settings import (
    BackupSettings,
    ClusterSettings,
    FleetSettings,
    LoadBalancerSettings,
    NetworkSettings,
    ObservabilitySettings,
    SloSettings,
)
from stacks.tenant_settings import TenantSettings


@dataclass(frozen=True)
class EffectiveSlo:
    """The SLO a server is held to: its catalog declaration over the stack's defaults."""

    tool_success_rate: float
    p95_latency_ms: int
    has_exception: bool = False

    @property
    def error_budget(self) -> float:
        """Allowed failure ratio, 0.01 for a 99 % target (components/slo_math.py, the one formula)."""
        from components.slo_math import error_budget

        return error_budget(self.tool_success_rate)

    @property
    def p95_latency_seconds(self) -> float:
        """ALB TargetResponseTime is reported in seconds: 400 ms is 0.4."""
        return self.p95_latency_ms / 1000


@dataclass(frozen=True)
class PlannedServer:
    """One catalog server as this stack runs it."""

    name: str
    tenant: str
    entry: CatalogEntry
    slo: EffectiveSlo
    capacity: CapacityPlan
    peak_rps: float
    namespace: str
    hostname: str


@dataclass(frozen=True)
class Settings:
    project: str
    stack: str
    stack_file: str
    environment: Environment
    region: str
    cluster: ClusterSettings
    network: NetworkSettings
    fleet: FleetSettings
    slo: SloSettings
    load_balancer: LoadBalancerSettings
    observability: ObservabilitySettings
    backups: BackupSettings
    servers: tuple[PlannedServer, ...]
    catalog: Mapping[str, CatalogEntry] = field(default_factory=dict)
    tenant_settings: tuple[TenantSettings, ...] = ()
    """The declared tenants (identity, limits, quotas); ``tenants`` names those with servers."""
    audit: AuditSettings = field(default_factory=AuditSettings)
    telemetry: TelemetrySettings = field(default_factory=TelemetrySettings)

    @property
    def tenants(self) -> tuple[str, ...]:
        return tuple(sorted({server.tenant for server in self.servers}))

    @property
    def fleet_nodes(self) -> int:
        """Worker nodes the whole fleet needs at peak, from the summed cores."""
        from stacks.capacity import nodes_needed

        cores = sum(server.capacity.cores_needed for server in self.servers)
        return nodes_needed(cores, self.fleet.cores_per_node)


def tenant_namespace(tenant: str) -> str:
    """Each tenant gets its own namespace: the isolation boundary the guide asks for."""
    return f"mcp-{tenant}"
