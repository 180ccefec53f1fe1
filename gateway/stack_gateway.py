"""The gateway of a deployed stack: tenants from its settings, tools and remotes from the catalog.

``gateway.from_settings.gateway_config`` takes tenants and allow-lists as arguments; this is
where the program supplies them from the stack file's ``tenants`` section and the signed
catalog entries (``approvedTools``, ``remote``), so what a pull request changes in either is
what the rendered configuration shows. The lab passes its own local issuers instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gateway.from_settings import gateway_config
from gateway.model import (
    GatewayConfig,
    JwtAlgorithm,
    RateLimit,
    RemoteUpstream,
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
INSPECTOR_PATH = "/etc/haproxy/lua/mcp_inspect.lua"
"""Where the pod mounts gateway/mcp_inspect.lua from the gateway's ConfigMap."""


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


def stack_gateway_config(
    settings: Settings,
    *,
    replicas: int = 2,
    tenants: Sequence[TenantAuth] | None = None,
    key_dir: str = KEY_DIR,
    inspector_lua: str = INSPECTOR_PATH,
) -> GatewayConfig:
    """The production gateway for ``settings``: every server routed, only declared tenants.

    ``tenants`` replaces the declared issuers (the lab's local ones); ``key_dir`` and
    ``inspector_lua`` say where the files are when the config is checked outside the pod.
    """
    declared = (
        tenants
        if tenants is not None
        else [tenant_auth(tenant, key_dir) for tenant in settings.tenant_settings]
    )
    used = {server.tenant for server in settings.servers}
    local_only = _without_remotes(settings)
    return gateway_config(
        local_only,
        tenants=[tenant for tenant in declared if tenant.name in used],
        approved_tools={s.entry.name: s.entry.approved_tools for s in local_only.servers},
        remotes=tuple(remote_route(server) for server in remote_servers(settings)),
        gateway_replicas=replicas,
        inspector_lua=inspector_lua,
    )


def _without_remotes(settings: Settings) -> Settings:
    return replace(settings, servers=local_servers(settings))
