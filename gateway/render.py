"""``render(GatewayConfig) -> str``: the whole HAProxy configuration, deterministically.

Pure: no clock, no environment, no file system. Tenants and routes are written in name
order, so the same settings give the same bytes and a pull request's diff shows exactly
what a change does to the gateway. A Pulumi component puts the result in a ConfigMap; the
lab writes it to a file; both run the same HAProxy on it.
"""

from __future__ import annotations

from gateway.backends import backend, peers_backend, rate_tables
from gateway.frontend import mcp_frontend
from gateway.model import GatewayConfig

HEADER_ROOM = 16_384
LUA_FILES = ("mcp_inspect.lua", "session_pin.lua", "gateway_replicas.lua")
"""The Lua files the configuration loads from ``GatewayConfig.lua_dir`` (all in gateway/)."""


def _global(config: GatewayConfig) -> list[str]:
    bufsize = config.max_body_bytes + HEADER_ROOM
    return [
        "# Rendered by gateway.render from the stack's settings; do not edit by hand.",
        "global",
        "    log stdout format raw local0",
        *(f"    lua-load {config.lua_dir}/{name}" for name in LUA_FILES),
        f"    tune.bufsize {bufsize}",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option dontlognull",
        "    timeout connect 2s",
        f"    timeout client {config.client_timeout_ms}ms",
        "    timeout server 60s",
        "    timeout http-request 10s",
        "    timeout http-keep-alive 10s",
        "",
        "resolvers dns",
        "    parse-resolv-conf",
        # an SRV answer lists every ready pod with its address: more than 512 bytes of UDP
        "    accepted_payload_size 8192",
        "    hold valid 10s",
        "    hold nx 5s",
        "",
        "frontend health",
        f'    bind "{config.health_listen}"',
        "    no log",
        "    monitor-uri /healthz",
        "    http-request use-service prometheus-exporter if { path /metrics }",
        "",
    ]


def _ordered(config: GatewayConfig) -> GatewayConfig:
    return config.model_copy(
        update={
            "tenants": tuple(sorted(config.tenants, key=lambda tenant: tenant.name)),
            "routes": tuple(sorted(config.routes, key=lambda route: route.name)),
        }
    )


def render(config: GatewayConfig) -> str:
    """The HAProxy configuration for every replica of the gateway described by ``config``."""
    config = _ordered(config)
    lines = _global(config) + mcp_frontend(config) + [""]
    for route in config.routes:
        lines += [*backend(config, route), ""]
    lines += peers_backend(config)
    lines += rate_tables(config)
    return "\n".join(lines).rstrip("\n") + "\n"
