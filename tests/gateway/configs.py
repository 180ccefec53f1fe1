"""Hand-made gateway configurations for the renderer tests."""

from __future__ import annotations

from gateway import (
    GatewayConfig,
    LocalUpstream,
    RateLimit,
    RemoteUpstream,
    Replica,
    Route,
    SessionMode,
    TenantAuth,
)


def tenant(name: str, key_file: str = "/keys/pub.pem", requests: int = 100) -> TenantAuth:
    return TenantAuth(
        name=name,
        issuer=f"https://{name}.issuer.example",
        key_files=(key_file,),
        rate_limit=RateLimit(requests=requests, period_seconds=1),
    )


def local_route(name: str, tenant_name: str, mode: SessionMode, tools: tuple[str, ...]) -> Route:
    return Route(
        name=name,
        tenant=tenant_name,
        session_mode=mode,
        approved_tools=tools,
        upstream=LocalUpstream(
            replicas=(
                Replica(name="r0", address="127.0.0.1:9001"),
                Replica(name="r1", address="127.0.0.1:9002"),
            )
        ),
    )


def remote_route(ca_file: str = "/keys/ca.pem", host: str = "mcp.vendor.example") -> Route:
    return Route(
        name="vendor",
        tenant="research",
        session_mode=SessionMode.STATELESS,
        approved_tools=("search",),
        upstream=RemoteUpstream(
            url=f"https://{host}/v1/mcp",
            ca_file=ca_file,
            credential_env="VENDOR_TOKEN",
        ),
    )


def sample_config(key_file: str = "/keys/pub.pem", ca_file: str = "/keys/ca.pem") -> GatewayConfig:
    return GatewayConfig(
        public_base_url="https://mcp.example.com",
        tenants=(tenant("storefront", key_file, 10), tenant("research", key_file, 7)),
        routes=(
            local_route("slack", "storefront", SessionMode.STATEFUL, ("post", "read")),
            local_route("github", "storefront", SessionMode.STATELESS, ("search",)),
            local_route("docs", "research", SessionMode.STATELESS, ()),
            remote_route(ca_file),
        ),
    )
