"""Build a ``GatewayConfig`` from a stack's validated Settings.

The stack says which servers run for which tenant, in which session mode, on which port and
path; the catalog says how to probe them. What the settings do not hold yet (tenant issuers
and keys, the approved tools of each entry) arrives as arguments, so the lab, the tests and
the coming Pulumi component each supply their own. A route with no approved tools refuses
every ``tools/call``: the allow-list fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from gateway.model import (
    GatewayConfig,
    LocalUpstream,
    Replica,
    Route,
    SessionMode,
    TenantAuth,
)
from stacks.fleet_plan import PlannedServer, Settings

ReplicasOf = Callable[[PlannedServer], tuple[Replica, ...]]


def in_cluster_replicas(server: PlannedServer) -> tuple[Replica, ...]:
    """Stable per-pod DNS names (a headless Service over ordinal pods), up to the HPA maximum.

    Every gateway replica then lists the same names in the same order, so a session pinned to
    ``r1`` means the same pod to all of them; names without a pod fail their health check.
    """
    service = f"{server.name}.{server.namespace}.svc.cluster.local"
    return tuple(
        Replica(name=f"r{index}", address=f"{server.name}-{index}.{service}:{server.entry.port}")
        for index in range(server.capacity.max_replicas)
    )


def route_for(
    server: PlannedServer, replicas: tuple[Replica, ...], approved_tools: Sequence[str]
) -> Route:
    entry = server.entry
    return Route(
        name=server.name,
        tenant=server.tenant,
        session_mode=SessionMode(entry.session_mode.value),
        approved_tools=tuple(approved_tools),
        upstream=LocalUpstream(
            replicas=replicas,
            mcp_path=entry.mcp_path,
            health_path=entry.health.readiness,
        ),
    )


def gateway_config(
    settings: Settings,
    *,
    tenants: Sequence[TenantAuth],
    approved_tools: Mapping[str, Sequence[str]],
    replicas_of: ReplicasOf = in_cluster_replicas,
    public_base_url: str | None = None,
    remotes: Sequence[Route] = (),
    listen: str = ":8080",
    health_listen: str = ":8405",
    gateway_replicas: int = 2,
    inspector_lua: str = "/etc/haproxy/mcp_inspect.lua",
) -> GatewayConfig:
    """The gateway for ``settings``' servers (plus ``remotes``), behind ``public_base_url``."""
    routes = tuple(
        route_for(server, replicas_of(server), approved_tools.get(server.entry.name, ()))
        for server in settings.servers
    )
    return GatewayConfig(
        public_base_url=public_base_url or f"https://{settings.network.domain}",
        listen=listen,
        health_listen=health_listen,
        replicas=gateway_replicas,
        tenants=tuple(tenants),
        routes=routes + tuple(remotes),
        inspector_lua=inspector_lua,
    )
