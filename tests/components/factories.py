"""Hand-made component inputs: a catalog entry, a planned server, tags, scopes.

Component tests build from these instead of loading a stack file, so each test states the
few values it is about and nothing else has to be true of the example stacks.
"""

from __future__ import annotations

from typing import Any

from catalog.entry import CatalogEntry
from policy.contract import ENVIRONMENT, OWNER, SERVER, SLO_P95_MS, SLO_SUCCESS_RATE, TENANT, TIER
from stacks.capacity import CapacityPlan
from stacks.fleet_plan import EffectiveSlo, PlannedServer

DIGEST = "a" * 64
IMAGE = f"ghcr.io/example/mcp-search@sha256:{DIGEST}"
OIDC = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123"


def catalog_entry(
    name: str = "search",
    *,
    port: int = 8080,
    session_mode: str = "stateless",
    tier: str = "tier-2",
    image: str = IMAGE,
    egress: list[dict[str, Any]] | None = None,
) -> CatalogEntry:
    document: dict[str, Any] = {
        "name": name,
        "version": "1.2.0",
        "description": "A hand-made server for component tests.",
        "image": image,
        "port": port,
        "health": {"liveness": "/livez", "readiness": "/readyz", "startup": "/startz"},
        "sessionMode": session_mode,
        "owner": {"team": "search-team", "email": "search@example.com"},
        "tier": tier,
        "tenants": ["storefront", "research"],
        "stages": ["dev", "staging", "prod"],
        "resources": {
            "cpuPerRequest": 0.02,
            "memoryPerConnectionMb": 4,
            "podCpu": 1.0,
            "podMemoryMb": 512,
            "baseMemoryMb": 128,
        },
        "sbom": {"uri": "https://example.com/sbom.json", "sha256": "b" * 64},
        "provenance": {"uri": "https://example.com/prov.jsonl", "sha256": "c" * 64},
        "scan": {"tool": "trivy", "date": "2026-11-20", "critical": 0, "high": 0, "medium": 0,
                 "low": 0},
    }  # fmt: skip
    if egress is not None:
        document["egress"] = egress
    entry = CatalogEntry.model_validate(document)
    entry._document = document
    return entry


def planned_server(
    name: str = "search",
    *,
    tenant: str = "storefront",
    success_rate: float = 99.5,
    p95_latency_ms: int = 300,
    min_replicas: int = 2,
    max_replicas: int = 6,
    domain: str = "mcp.example.com",
    **entry: Any,
) -> PlannedServer:
    return PlannedServer(
        name=name,
        tenant=tenant,
        entry=catalog_entry(name, **entry),
        slo=EffectiveSlo(tool_success_rate=success_rate, p95_latency_ms=p95_latency_ms),
        capacity=CapacityPlan(
            cores_needed=1.5,
            memory_needed_mb=900,
            nodes=1,
            cpu_request_millicores=500,
            cpu_limit_millicores=1000,
            memory_request_mib=512,
            memory_limit_mib=512,
            min_replicas=min_replicas,
            max_replicas=max_replicas,
        ),
        peak_rps=50,
        namespace=f"mcp-{tenant}",
        hostname=f"{name}.{domain}",
    )


def fleet_tags(environment: str = "prod") -> dict[str, str]:
    """The tag set of a fleet-wide resource, as Platform would hand it down."""
    return {
        ENVIRONMENT: environment,
        SERVER: "fleet",
        TENANT: "shared",
        OWNER: "platform",
        TIER: "tier-1",
        SLO_SUCCESS_RATE: "99.0",
        SLO_P95_MS: "400",
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/part-of": "mcp-fleet",
    }


def _number(value: float) -> str:
    """As labels.py writes it: 99.0 -> '99.0', 99.95 -> '99.95'."""
    return f"{value:g}" if value != int(value) else f"{value:.1f}"


def server_tags(server: PlannedServer, environment: str = "prod") -> dict[str, str]:
    return {
        **fleet_tags(environment),
        SERVER: server.name,
        TENANT: server.tenant,
        OWNER: server.entry.owner.team,
        TIER: server.entry.tier.value,
        SLO_SUCCESS_RATE: _number(server.slo.tool_success_rate),
        SLO_P95_MS: str(server.slo.p95_latency_ms),
    }


def server_labels(server: PlannedServer, environment: str = "prod") -> dict[str, str]:
    return {
        **server_tags(server, environment),
        "app.kubernetes.io/name": server.name,
        "app.kubernetes.io/version": server.entry.version,
    }
