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
    TenantAuth,
    Timeouts,
)
from gateway.render import render

INSPECTOR_LUA = str(Path(__file__).with_name("mcp_inspect.lua"))
"""This checkout's copy of the Lua inspector, for the lab and the tests."""

__all__ = [
    "INSPECTOR_LUA",
    "GatewayConfig",
    "JwtAlgorithm",
    "LocalUpstream",
    "RateLimit",
    "RemoteUpstream",
    "Replica",
    "Route",
    "SessionMode",
    "TenantAuth",
    "Timeouts",
    "render",
]
