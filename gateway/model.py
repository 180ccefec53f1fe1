"""The gateway's configuration model: typed, frozen, validated once, rendered many times.

Everything the renderer writes into HAProxy's configuration comes from here, so every value
that lands inside a quoted HAProxy string is constrained to characters that cannot break out
of it (no quotes, no whitespace, no ``%`` that HAProxy would read as a log-format tag).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
# MCP tool names (SEP-986): 1-128 of ASCII letters, digits, '_', '-', '.'.
TOOL_NAME = r"^[A-Za-z0-9_.-]{1,128}$"
# What may stand unquoted in an HAProxy argument or inside a quoted string: no quotes,
# whitespace, '#' (comment), '%' (log-format), ',' or parentheses (argument lists).
SAFE_TEXT = r"^[A-Za-z0-9._~:/?@!$&*+;=\[\]-]+$"
ENV_NAME = r"^[A-Z_][A-Z0-9_]*$"
HTTP_PATH = r"^/[A-Za-z0-9._~/-]*$"
# A bind address (":8080", "10.0.0.1:8080") or one environment variable HAProxy expands, so
# that replicas sharing one rendered file can listen where their environment says.
SRV_NAME = r"^_[a-z0-9-]{1,15}[.]_tcp([.][a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$"
BIND = r"^(\$\{[A-Z_][A-Z0-9_]*\}|[A-Za-z0-9.\[\]*-]*:[0-9]{1,5})$"

SafeText = Annotated[str, Field(pattern=SAFE_TEXT, min_length=1)]
Name = Annotated[str, Field(pattern=DNS_LABEL)]


class SessionMode(StrEnum):
    """How requests of one MCP session find their upstream replica."""

    STATEFUL = "stateful"  # pinned by Mcp-Session-Id
    STATELESS = "stateless"  # any replica, balanced per request


class JwtAlgorithm(StrEnum):
    """Asymmetric algorithms HAProxy 2.6's ``jwt_verify`` checks against a public key file."""

    RS256 = "RS256"
    RS384 = "RS384"
    RS512 = "RS512"
    ES256 = "ES256"
    ES384 = "ES384"
    ES512 = "ES512"
    PS256 = "PS256"
    PS384 = "PS384"
    PS512 = "PS512"


class GatewayModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RateLimit(GatewayModel):
    """At most ``requests`` per ``period_seconds`` for one tenant, over all gateway replicas."""

    requests: int = Field(ge=1, le=10_000_000)
    period_seconds: int = Field(default=1, ge=1, le=3600)


class TenantAuth(GatewayModel):
    """One tenant's token issuer: whose signatures the gateway accepts for its servers."""

    name: Name
    issuer: SafeText
    algorithm: JwtAlgorithm = JwtAlgorithm.RS256
    key_files: tuple[SafeText, ...] = Field(
        min_length=1, description="PEM public keys or certificates; several while rotating"
    )
    rate_limit: RateLimit


class Replica(GatewayModel):
    """One upstream replica under a stable name, so every gateway replica agrees on it."""

    name: Name
    address: SafeText = Field(description="host:port")

    @field_validator("address")
    @classmethod
    def _host_and_port(cls, address: str) -> str:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{address!r} is not host:port (like 10.0.0.5:8080)")
        return address


class SrvRecord(GatewayModel):
    """A DNS SRV name that lists every ready replica: a headless Service's named port.

    HAProxy fills ``max_replicas`` slots from it at run time (``server-template``), so the
    gateway follows pods as the autoscaler and rollouts add and remove them.
    """

    name: str = Field(
        pattern=SRV_NAME, description="_port._tcp.service.namespace.svc.cluster.local"
    )
    max_replicas: int = Field(ge=1, le=1000, description="slots: the autoscaler's maximum")


Replicas = tuple[Replica, ...] | SrvRecord
"""Where replicas are: fixed addresses (the lab: loopback) or an SRV record (the cluster)."""


def _unique_names(replicas: Replicas | None) -> Replicas | None:
    if replicas is None or isinstance(replicas, SrvRecord):
        return replicas
    names = [replica.name for replica in replicas]
    if not names:
        raise ValueError("list at least one replica, or an SRV record")
    if len(set(names)) != len(names):
        raise ValueError(f"replica names must be unique, got {names}")
    return replicas


class LocalUpstream(GatewayModel):
    """Replicas of a server the fleet runs itself (plain HTTP inside the cluster)."""

    replicas: Replicas
    mcp_path: str = Field(default="/mcp", pattern=HTTP_PATH)
    health_path: str = Field(default="/readyz", pattern=HTTP_PATH)

    _replicas = field_validator("replicas")(_unique_names)


class RemoteUpstream(GatewayModel):
    """A server hosted elsewhere, reached over verified TLS with a credential the gateway adds."""

    url: SafeText = Field(description="https://host[:port]/path")
    ca_file: SafeText = Field(description="PEM bundle that signs the remote's certificate")
    credential_env: str = Field(pattern=ENV_NAME, description="environment variable of the token")
    credential_header: str = Field(default="Authorization", pattern=r"^[A-Za-z0-9-]+$")
    credential_scheme: str = Field(default="Bearer", pattern=r"^[A-Za-z0-9-]*$")
    runtime_dns: bool = Field(
        default=True,
        description="follow DNS changes while running; off: resolve once at start (libc, "
        "/etc/hosts), for names only the host knows",
    )

    @field_validator("url")
    @classmethod
    def _https(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"{url!r}: remote servers are reached over https://host/path only")
        if parts.query or parts.fragment:
            raise ValueError(f"{url!r}: no query or fragment; give the MCP endpoint's path")
        return url

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 443

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


class Timeouts(GatewayModel):
    connect_ms: int = Field(default=2000, ge=100, le=60_000)
    server_ms: int = Field(default=60_000, ge=100, le=3_600_000)


class Route(GatewayModel):
    """One MCP server behind the gateway at ``{public_base_url}/{name}/mcp``."""

    name: Name
    tenant: Name
    session_mode: SessionMode
    approved_tools: tuple[Annotated[str, Field(pattern=TOOL_NAME)], ...]
    upstream: LocalUpstream | RemoteUpstream
    scopes: tuple[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:/-]+$")], ...] = ()
    timeouts: Timeouts = Timeouts()
    retries: int = Field(default=2, ge=0, le=5, description="only for connection failures")


class Ejection(GatewayModel):
    """When a replica is taken out: failed health checks or consecutive layer-7 errors."""

    check_interval_ms: int = Field(default=2000, ge=100, le=60_000)
    fall: int = Field(default=2, ge=1, le=10)
    rise: int = Field(default=2, ge=1, le=10)
    error_limit: int = Field(default=10, ge=1, le=1000)


class GatewayConfig(GatewayModel):
    """The whole gateway: rendered by ``gateway.render`` into one HAProxy configuration."""

    public_base_url: SafeText = Field(description="scheme://host[:port], no trailing slash")
    listen: str = Field(default=":8080", pattern=BIND, description="bind for MCP traffic")
    health_listen: str = Field(default=":8405", pattern=BIND, description="/healthz, /metrics")
    replicas: int = Field(
        default=2,
        ge=1,
        le=100,
        description="gateway replicas assumed to share each tenant's limit until ``peers`` "
        "are counted (and always, without ``peers``)",
    )
    peers: Replicas | None = Field(
        default=None,
        description="every gateway replica's health endpoint (this one's too): the live ones "
        "are counted at run time and each enforces ceil(limit / live) of a tenant's rate",
    )
    tenants: tuple[TenantAuth, ...] = Field(min_length=1)
    routes: tuple[Route, ...] = Field(min_length=1)
    ejection: Ejection = Ejection()
    clock_skew_seconds: int = Field(default=30, ge=0, le=600)
    max_body_bytes: int = Field(default=49_152, ge=1024, le=1_048_576)
    client_timeout_ms: int = Field(default=60_000, ge=1000, le=3_600_000)
    lua_dir: SafeText = Field(
        default="/etc/haproxy/lua",
        description="where the gateway's Lua files (gateway.LUA_FILES) are; needs lua-cjson",
    )

    _peers = field_validator("peers")(_unique_names)

    @field_validator("public_base_url")
    @classmethod
    def _base_url(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{url!r} is not scheme://host[:port] (like https://mcp.example.com)")
        if parts.path.strip("/") or parts.query or parts.fragment:
            raise ValueError(f"{url!r}: give the origin only; routes add /{{server}}/mcp")
        return url.rstrip("/")

    @model_validator(mode="after")
    def _consistent(self) -> GatewayConfig:
        tenants = [tenant.name for tenant in self.tenants]
        issuers = [tenant.issuer for tenant in self.tenants]
        routes = [route.name for route in self.routes]
        for label, values in (("tenant", tenants), ("issuer", issuers), ("route", routes)):
            duplicates = sorted({value for value in values if values.count(value) > 1})
            if duplicates:
                raise ValueError(f"each {label} appears once; repeated: {', '.join(duplicates)}")
        for route in self.routes:
            if route.tenant not in tenants:
                raise ValueError(
                    f"route {route.name!r}: tenant {route.tenant!r} has no issuer; "
                    f"configure one of the tenants or use: {', '.join(sorted(tenants))}"
                )
        return self

    def resource_uri(self, route: Route) -> str:
        """The canonical URI tokens for this route must name as their audience (RFC 8707)."""
        return f"{self.public_base_url}/{route.name}/mcp"

    def metadata_url(self, route: Route) -> str:
        """Where this route's protected-resource metadata lives (RFC 9728, path-suffixed)."""
        return f"{self.public_base_url}/.well-known/oauth-protected-resource/{route.name}/mcp"

    def tenant(self, name: str) -> TenantAuth:
        return next(tenant for tenant in self.tenants if tenant.name == name)
