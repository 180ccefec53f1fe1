"""The gateway of a deployed stack: tenants from its settings, tools and remotes from the catalog.

``gateway.from_settings.gateway_config`` takes tenants and allow-lists as arguments; this is
where the program supplies them from the stack file's ``tenants`` section and the signed
catalog entries (``approvedTools``, ``remote``), so what a pull request changes in either is
what the rendered configuration shows.

The Pulumi component and the lab both call ``stack_gateway_config``. The lab replaces only
what cannot exist on one machine: ``Addresses`` (loopback ``server`` lines instead of the
headless Services' SRV records, for the servers and for the gateway's own replicas), the
tenants' issuers (local test issuers with the stack's rate limits), stand-ins for remote
servers, and the reference server's own tools added to each allow-list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from gateway.from_settings import ReplicasOf, gateway_config, in_cluster_replicas, srv_record
from gateway.model import (
    GatewayConfig,
    JwtAlgorithm,
    RateLimit,
    RemoteUpstream,
    Replicas,
    Route,
    SessionMode,
    TenantAuth,
)
from stacks.fleet_plan import PlannedServer, Settings
from stacks.tenant_settings import TenantSettings

KEY_DIR = "/etc/haproxy/keys"
"""Where the gateway pod mounts the tenants' PEM public keys (the tenant-keys Secret)."""
CA_FILE = "/etc/ssl/certs/ca-certificates.crt"
"""The image's system CA bundle: remote servers present publicly trusted certificates."""
LUA_DIR = "/etc/haproxy/lua"
"""Where the pod mounts gateway/*.lua from the gateway's ConfigMap."""
NAMESPACE = "mcp-gateway"
PEERS_SERVICE = "mcp-gateway-peers"
"""The gateway's own headless Service: every ready gateway replica, for counting them."""
PEERS_PORT_NAME = "health"


@dataclass(frozen=True)
class Addresses:
    """Where the gateway listens and finds servers and its own replicas: what the lab replaces.

    ``peers`` None means the cluster's: the SRV record of ``PEERS_SERVICE`` in the gateway's
    namespace, up to the autoscaler's maximum.
    """

    replicas_of: ReplicasOf = in_cluster_replicas
    peers: Replicas | None = None
    public_base_url: str | None = None
    listen: str = ":8080"
    health_listen: str = ":8405"


def tenant_auth(tenant: TenantSettings, key_dir: str = KEY_DIR) -> TenantAuth:
    """One declared tenant as the gateway verifies it: issuer, algorithm, key files, limit."""
    if not tenant.identity.key_files:
        raise ValueError(
            f"tenant {tenant.name!r}: the gateway verifies with PEM key files; set "
            f"tenants[{tenant.name}].identity.keyFiles (a jwksUri is not fetched yet)"
        )
    requests, period = tenant.rate_limit.window()
    return TenantAuth(
        name=tenant.name,
        issuer=tenant.identity.issuer,
        algorithm=JwtAlgorithm(tenant.identity.algorithm),
        key_files=tuple(f"{key_dir}/{name}" for name in tenant.identity.key_files),
        rate_limit=RateLimit(requests=requests, period_seconds=period),
    )


def credential_env(server_name: str) -> str:
    """The environment variable holding a remote server's credential in the gateway pod."""
    return "REMOTE_" + server_name.upper().replace("-", "_") + "_CREDENTIAL"


def remote_route(server: PlannedServer) -> Route:
    """A server whose catalog entry is remote: verified TLS, the credential injected."""
    remote = server.entry.remote
    if remote is None:
        raise ValueError(f"{server.name}: the catalog entry {server.entry.name!r} is not remote")
    return Route(
        name=server.name,
        tenant=server.tenant,
        session_mode=SessionMode(server.entry.session_mode.value),
        approved_tools=server.entry.approved_tools,
        upstream=RemoteUpstream(
            url=remote.url, ca_file=CA_FILE, credential_env=credential_env(server.name)
        ),
    )


def local_servers(settings: Settings) -> tuple[PlannedServer, ...]:
    return tuple(server for server in settings.servers if server.entry.remote is None)


def remote_servers(settings: Settings) -> tuple[PlannedServer, ...]:
    return tuple(server for server in settings.servers if server.entry.remote is not None)


def _remote_routes(
    settings: Settings, stand_ins: Mapping[str, RemoteUpstream] | None
) -> tuple[Route, ...]:
    """The catalog's remote servers; with ``stand_ins``, each replaced by its stand-in (by
    server name) and those without one left out (the lab cannot reach the internet)."""
    routes = tuple(remote_route(server) for server in remote_servers(settings))
    if stand_ins is None:
        return routes
    return tuple(
        route.model_copy(update={"upstream": stand_ins[route.name]})
        for route in routes
        if route.name in stand_ins
    )


def stack_gateway_config(
    settings: Settings,
    *,
    replicas: int = 2,
    max_replicas: int | None = None,
    namespace: str = NAMESPACE,
    tenants: Sequence[TenantAuth] | None = None,
    key_dir: str = KEY_DIR,
    lua_dir: str = LUA_DIR,
    addresses: Addresses = Addresses(),
    remote_stand_ins: Mapping[str, RemoteUpstream] | None = None,
    extra_tools: Sequence[str] = (),
) -> GatewayConfig:
    """The production gateway for ``settings``: every server routed, only declared tenants.

    ``replicas``/``max_replicas``: the gateway autoscaler's range (the rate-limit divisor
    until live replicas are counted; the peer slots). ``tenants`` replaces the declared
    issuers (the lab's local ones); ``key_dir`` and ``lua_dir`` say where the files are when
    the config is checked outside the pod; the rest is what the lab substitutes (above).
    """
    declared = (
        tenants
        if tenants is not None
        else [tenant_auth(tenant, key_dir) for tenant in settings.tenant_settings]
    )
    used = {server.tenant for server in settings.servers}
    local_only = _without_remotes(settings)
    peers = addresses.peers or srv_record(
        PEERS_PORT_NAME, PEERS_SERVICE, namespace, max(replicas, max_replicas or replicas)
    )
    return gateway_config(
        local_only,
        tenants=[tenant for tenant in declared if tenant.name in used],
        approved_tools={
            s.entry.name: tuple(dict.fromkeys((*s.entry.approved_tools, *extra_tools)))
            for s in local_only.servers
        },
        replicas_of=addresses.replicas_of,
        public_base_url=addresses.public_base_url,
        remotes=_remote_routes(settings, remote_stand_ins),
        listen=addresses.listen,
        health_listen=addresses.health_listen,
        gateway_replicas=replicas,
        peers=peers,
        lua_dir=lua_dir,
    )


def _without_remotes(settings: Settings) -> Settings:
    return replace(settings, servers=local_servers(settings))
