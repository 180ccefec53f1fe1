"""What the Gateway component is given: plain values, checked before any resource exists."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi

from gateway.render import LUA_FILES
from telemetry.otel_env import ServerTelemetry

HTTP_PORT = 8080
"""The gateway's MCP listener (``GatewayConfig.listen``)."""
HEALTH_PORT = 8405
"""``/healthz`` and ``/metrics`` (``GatewayConfig.health_listen``); the ALB checks it, and
the gateway replicas check each other on it to count themselves (rate-limit shares)."""
SERVICE_NAME = "mcp-gateway"
"""The gateway's OpenTelemetry ``service.name``."""
SHARED_TENANT = "shared"
"""The tenant attribute of platform workloads that serve every tenant."""


def gateway_telemetry(
    environment: str, version: str, endpoint: str, protocol: str, sample_ratio: float
) -> ServerTelemetry:
    """The gateway's standard ``OTEL_*`` environment: service mcp-gateway, tenant shared."""
    return ServerTelemetry(
        service_name=SERVICE_NAME,
        tenant=SHARED_TENANT,
        environment=environment,
        version=version,
        endpoint=endpoint,
        protocol=protocol,
        sample_ratio=sample_ratio,
    )


@dataclass(frozen=True)
class Upstream:
    """A tenant namespace and the server ports the gateway may open in it."""

    namespace: str
    ports: tuple[int, ...]


@dataclass(frozen=True)
class RemoteCredential:
    """A remote server's credential: the Secret key the gateway reads into ``env``."""

    env: str
    secret_name: str
    secret_key: str


@dataclass(frozen=True)
class GatewayArgs:
    namespace: str
    labels: Mapping[str, str]
    image: str
    """Pinned by digest (catalog/platform/gateway.yaml)."""
    run_as_user: int
    config_text: str
    """``gateway.render(...)`` of the stack's gateway: the whole HAProxy configuration."""
    lua_sources: Mapping[str, str]
    """``gateway.lua_sources()``: each Lua file the configuration's ``lua-load`` lines read."""
    min_replicas: int
    max_replicas: int
    batch_percent: int
    drain_seconds: int
    load_balancer_cidrs: pulumi.Input[Sequence[str]]
    upstreams: tuple[Upstream, ...]
    remote_credentials: tuple[RemoteCredential, ...] = ()
    tenant_keys_secret: str = "gateway-tenant-keys"
    """The Secret holding the tenants' PEM public keys (keyFiles), mounted as key files."""
    target_cpu_utilization: int = 70
    telemetry: ServerTelemetry | None = None
    """The pods' ``OTEL_*`` environment (``gateway_telemetry``)."""
    deployment_annotations: Mapping[str, str] = field(default_factory=dict)
    """The gateway's signed catalog entry (catalog/platform/gateway.yaml), stamped so the
    policy pack judges its image as it judges every server's."""

    def __post_init__(self) -> None:
        if "@sha256:" not in self.image:
            raise ValueError(
                f"Gateway: image {self.image!r} is not pinned by digest; write repo@sha256:..."
            )
        if not 2 <= self.min_replicas <= self.max_replicas:
            raise ValueError(
                f"Gateway: replicas {self.min_replicas}-{self.max_replicas}; at least 2 (one "
                "per zone survives a zone) and min <= max"
            )
        if not 1 <= self.batch_percent <= 50:
            raise ValueError(f"Gateway: batch_percent {self.batch_percent} is outside 1-50")
        if not self.config_text.strip() or "frontend mcp" not in self.config_text:
            raise ValueError("Gateway: config_text is not a rendered gateway configuration")
        if not self.upstreams:
            raise ValueError("Gateway: no upstream namespaces; the gateway would route nowhere")
        missing = [name for name in LUA_FILES if name not in self.lua_sources]
        if missing:
            raise ValueError(
                f"Gateway: lua_sources lacks {', '.join(missing)}; the config loads it"
            )
        if self.telemetry is not None and self.telemetry.problems():
            raise ValueError(f"Gateway: telemetry: {'; '.join(self.telemetry.problems())}")

    @property
    def config_digest(self) -> str:
        """Stamped on the pods so a configuration change rolls them (HAProxy reads it once)."""
        parts = [self.config_text, *(f"{n}\0{t}" for n, t in sorted(self.lua_sources.items()))]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()
