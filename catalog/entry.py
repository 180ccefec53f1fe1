"""Typed catalog entries: what an approved MCP server is, as its owners registered it."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator
from pydantic.alias_generators import to_camel

from stacks.environment import Environment

DIGEST_IMAGE = r"^[a-z0-9][a-z0-9._\-/:]*@sha256:[0-9a-f]{64}$"
DNS_LABEL = r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$"
LABEL_VALUE = r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$"
SHA256 = r"^[0-9a-f]{64}$"
HTTP_PATH = r"^/[A-Za-z0-9._~/-]*$"


class CatalogModel(BaseModel):
    """camelCase in YAML, snake_case in Python, unknown keys refused (they are typos)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class SessionMode(StrEnum):
    STATELESS = "stateless"
    STATEFUL = "stateful"


class Tier(StrEnum):
    """tier-1 pages around the clock; tier-3 is best effort."""

    TIER_1 = "tier-1"
    TIER_2 = "tier-2"
    TIER_3 = "tier-3"


class Owner(CatalogModel):
    team: str = Field(pattern=LABEL_VALUE, description="owning team, a label-safe slug")
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class HealthPaths(CatalogModel):
    liveness: str = Field(pattern=HTTP_PATH)
    readiness: str = Field(pattern=HTTP_PATH)
    startup: str | None = Field(default=None, pattern=HTTP_PATH)

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
    tool_success_rate: float | None = Field(default=None, gt=0, lt=100)
    p95_latency_ms: int | None = Field(default=None, gt=0)
    exception: SloException | None = None


class ResourceProfile(CatalogModel):
    """Per-request costs measured by the owners' load tests; inputs to capacity planning."""

    cpu_per_request: float = Field(gt=0)
    memory_per_connection_mb: float = Field(gt=0)
    pod_cpu: float = Field(default=0.5, gt=0)
    pod_memory_mb: int = Field(default=512, gt=0)
    base_memory_mb: int = Field(default=128, ge=0)


class Artifact(CatalogModel):
    """A document about the image (SBOM, provenance) pinned by its sha256."""

    uri: str = Field(min_length=1)
    sha256: str = Field(pattern=SHA256)


class VulnerabilityScan(CatalogModel):
    tool: str
    version: str | None = None
    date: dt.date
    critical: int = Field(ge=0)
    high: int = Field(ge=0)
    medium: int = Field(ge=0)
    low: int = Field(ge=0)


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
    name: str = Field(pattern=DNS_LABEL)
    version: str = Field(pattern=r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")
    description: str
    image: str = Field(pattern=DIGEST_IMAGE, description="image pinned by digest")
    transport: Literal["streamable-http"] = "streamable-http"
    port: int = Field(ge=1024, le=65535)
    mcp_path: str = Field(default="/mcp", pattern=HTTP_PATH)
    health: HealthPaths
    session_mode: SessionMode
    owner: Owner
    tier: Tier
    tenants: tuple[str, ...] = Field(min_length=1)
    stages: tuple[Environment, ...] = Field(min_length=1)
    slo: SloDeclaration = SloDeclaration()
    resources: ResourceProfile
    sbom: Artifact
    provenance: Artifact
    scan: VulnerabilityScan
    image_signature: ImageSignature | None = None
    signature: SignatureBlock | None = None

    _document: dict[str, Any] = PrivateAttr(default_factory=dict)
    _source: str = PrivateAttr(default="")

    @field_validator("tenants")
    @classmethod
    def _tenants_are_slugs(cls, tenants: tuple[str, ...]) -> tuple[str, ...]:
        for tenant in tenants:
            if not tenant or len(tenant) > 30 or not tenant.replace("-", "").isalnum():
                raise ValueError(f"tenant {tenant!r} must be a lowercase slug of at most 30 chars")
        return tenants

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
