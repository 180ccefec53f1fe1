"""The MCP gateway (HAProxy): a typed configuration model and its deterministic renderer."""

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

__all__ = [
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
