"""Build a ``GatewayConfig`` from a stack's validated Settings.

The stack says which servers run for which tenant, in which session mode, on which port and
path; the catalog says how to probe them. Tenant issuers and keys and the approved tools of
each entry arrive as arguments (``gateway.stack_gateway`` supplies the deployed ones), and
so do the addresses: in the cluster each server's replicas and the gateway's own replicas
are SRV records of headless Services; the lab hands in fixed loopback addresses. A route
with no approved tools refuses every ``tools/call``: the allow-list fails closed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from gateway.model import (
    GatewayConfig,
    LocalUpstream,
    Replicas,
    Route,
    SessionMode,
    SrvRecord,
    TenantAuth,
)
from stacks.fleet_plan import PlannedServer, Settings

ReplicasOf = Callable[[PlannedServer], Replicas]

SERVER_PORT_NAME = "mcp"
"""The named port of each server's headless Service (components/server_service.py)."""


def srv_record(port_name: str, service: str, namespace: str, max_replicas: int) -> SrvRecord:
    """The SRV record Kubernetes DNS serves for a headless Service's named TCP port."""
    return SrvRecord(
        name=f"_{port_name}._tcp.{service}.{namespace}.svc.cluster.local",
        max_replicas=max_replicas,
    )


def in_cluster_replicas(server: PlannedServer) -> SrvRecord:
    """The server's ready pods, from its headless Service, in up to HPA-maximum slots.

    Deployments and Argo Rollouts give pods random names, so no per-pod name can be listed
    ahead; the SRV record lists the ready ones (``publishNotReadyAddresses: false``) with
    their addresses, and HAProxy follows it as pods come and go.
    """
    return srv_record(SERVER_PORT_NAME, server.name, server.namespace, server.capacity.max_replicas)


def route_for(server: PlannedServer, replicas: Replicas, approved_tools: Sequence[str]) -> Route:
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
    peers: Replicas | None = None,
    lua_dir: str = "/etc/haproxy/lua",
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
        peers=peers,
        tenants=tuple(tenants),
        routes=routes + tuple(remotes),
        lua_dir=lua_dir,
    )
