"""The MCP gateway (HAProxy): a typed configuration model and its deterministic renderer."""

from pathlib import Path

from gateway.model import (
    GatewayConfig,
    JwtAlgorithm,
    LocalUpstream,
    RateLimit,
    RemoteUpstream,
    Replica,
    Route,
    SessionMode,
    SrvRecord,
    TenantAuth,
    Timeouts,
)
from gateway.render import LUA_FILES, render

LUA_DIR = str(Path(__file__).parent)
"""This checkout's folder of the gateway's Lua files, for the lab and the tests."""


def lua_sources() -> dict[str, str]:
    """Each Lua file the configuration loads, by name: what the gateway's ConfigMap holds."""
    return {name: Path(LUA_DIR, name).read_text() for name in LUA_FILES}


__all__ = [
    "LUA_DIR",
    "LUA_FILES",
    "GatewayConfig",
    "JwtAlgorithm",
    "LocalUpstream",
    "RateLimit",
    "RemoteUpstream",
    "Replica",
    "Route",
    "SessionMode",
    "SrvRecord",
    "TenantAuth",
    "Timeouts",
    "lua_sources",
    "render",
]
