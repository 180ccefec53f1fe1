"""Typed catalog entries: what an approved MCP server is, as its owners registered it.

The base model, the patterns and the strict number types are the stack settings' own
(``stacks.model_base``): one definition of a DNS label, a tenant, a digest-pinned image.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, PrivateAttr, StringConstraints

from catalog.egress import EgressRule, check_unique_names
from catalog.remote import RemoteServer
from stacks.environment import Environment
from stacks.model_base import (
    CamelModel,
    DigestImage,
    DnsLabel,
    EmailAddress,
    HttpPath,
    Integer,
    LabelValue,
    Number,
    Sha256,
    Tenant,
)

CatalogModel = CamelModel
"""Catalog entries follow the stack files' rules: camelCase, unknown keys refused."""

ToolName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,128}$")]
"""An MCP tool name (SEP-986): 1-128 ASCII letters, digits, '_', '-', '.'."""


class SessionMode(StrEnum):
    STATELESS = "stateless"
    STATEFUL = "stateful"


class Tier(StrEnum):
    """tier-1 pages around the clock; tier-3 is best effort."""

    TIER_1 = "tier-1"
    TIER_2 = "tier-2"
    TIER_3 = "tier-3"


class Owner(CatalogModel):
    team: LabelValue = Field(description="owning team, a label-safe slug")
    email: EmailAddress = Field(description="the owning team's address, like team@example.com")


class HealthPaths(CatalogModel):
    liveness: HttpPath
    readiness: HttpPath
    startup: HttpPath | None = None

    @property
    def startup_path(self) -> str:
        """Startup falls back to liveness: 'the process is up' is what both ask."""
        return self.startup or self.liveness


class SloException(CatalogModel):
    """An approved deviation from the fleet's SLO baseline; signed with the entry."""

    reason: str = Field(min_length=10)
    approved_by: str
    expires: dt.date


class SloDeclaration(CatalogModel):
    tool_success_rate: Number | None = Field(default=None, gt=0, lt=100)
    p95_latency_ms: Integer | None = Field(default=None, gt=0, le=3_600_000)
    exception: SloException | None = None


class ResourceProfile(CatalogModel):
    """Per-request costs measured by the owners' load tests; inputs to capacity planning."""

    cpu_per_request: Number = Field(
        gt=0, le=64, description="CPU cores one request per second costs, above 0, at most 64"
    )
    memory_per_connection_mb: Number = Field(
        gt=0, le=65_536, description="MB one open connection holds, above 0"
    )
    pod_cpu: Number = Field(
        default=0.5, gt=0, le=896, description="CPU request of one replica in cores, like 0.5"
    )
    pod_memory_mb: Integer = Field(
        default=512, gt=0, le=24_576_000, description="memory request of one replica, MB"
    )
    base_memory_mb: Integer = Field(
        default=128, ge=0, le=24_576_000, description="memory a replica uses idle, MB"
    )


class Artifact(CatalogModel):
    """A document about the image (SBOM, provenance) pinned by its sha256."""

    uri: str = Field(min_length=1)
    sha256: Sha256


class VulnerabilityScan(CatalogModel):
    tool: str
    version: str | None = None
    date: dt.date
    critical: Integer = Field(ge=0)
    high: Integer = Field(ge=0)
    medium: Integer = Field(ge=0)
    low: Integer = Field(ge=0)


class SignatureBlock(CatalogModel):
    """An approver's signature over the entry's canonical JSON (added by ``ops catalog sign``)."""

    key_id: str
    signer: str
    signed_at: dt.datetime
    algorithm: Literal["ed25519", "ecdsa-p256-sha256"]
    value: str = Field(description="base64 signature")


class ImageSignature(CatalogModel):
    """A cosign-compatible signature: simple-signing payload for the digest, and its signature."""

    publisher_key_id: str
    payload: str = Field(description="base64 simple-signing JSON")
    signature: str = Field(description="base64 signature over the payload")


class CatalogEntry(CatalogModel):
    name: DnsLabel = Field(description="a DNS label, lowercase ASCII, at most 40")
    version: str = Field(pattern=r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")
    description: str
    image: DigestImage = Field(description="image pinned by digest")
    transport: Literal["streamable-http"] = "streamable-http"
    port: Integer = Field(ge=1024, le=65535, description="the container port, 1024-65535")
    mcp_path: HttpPath = "/mcp"
    health: HealthPaths
    session_mode: SessionMode
    owner: Owner
    tier: Tier
    tenants: tuple[Tenant, ...] = Field(
        min_length=1, description="tenant slugs, lowercase ASCII, at most 30 characters"
    )
    stages: tuple[Environment, ...] = Field(min_length=1)
    slo: SloDeclaration = SloDeclaration()
    resources: ResourceProfile
    sbom: Artifact
    provenance: Artifact
    scan: VulnerabilityScan
    approved_tools: tuple[ToolName, ...] = Field(
        default=(),
        description="the tools clients may call, like [search, read]; the gateway refuses "
        "any other tools/call (none listed: no tool is callable)",
    )
    remote: RemoteServer | None = Field(
        default=None,
        description="for a server hosted elsewhere: url (https), sla {availability, "
        "p95LatencyMs}, credentialSecret {name, key}",
    )
    egress: Annotated[tuple[EgressRule, ...], AfterValidator(check_unique_names)] = Field(
        default=(),
        description="what the server's pods call (catalog/egress.py): a list of {name, ports, "
        "cidrs or namespace}; none listed: only DNS and the telemetry collector",
    )
    image_signature: ImageSignature | None = None
    signature: SignatureBlock | None = None

    _document: dict[str, Any] = PrivateAttr(default_factory=dict)
    _source: str = PrivateAttr(default="")

    @property
    def document(self) -> dict[str, Any]:
        """The YAML document as written: what signatures are computed over."""
        return self._document

    @property
    def source(self) -> str:
        return self._source

    @property
    def image_digest(self) -> str:
        return self.image.rsplit("@", 1)[1]
