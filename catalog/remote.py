"""The ``remote`` block of a catalog entry: a server hosted elsewhere, reached via the gateway.

The gateway is the only way to it (its egress is the only one allowed to the host on 443),
holds it to the SLA written here, and injects the credential from the named Secret, so no
client ever holds the remote's own credential.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator

from stacks.model_base import CamelModel, DnsLabel, HttpsUrl, Integer, Number

SECRET_KEY = r"^[-._a-zA-Z0-9]{1,253}$"
"""A Secret data key as Kubernetes accepts it."""


class RemoteSla(CamelModel):
    """What the remote's operator promises; alarms and dashboards measure it at the gateway."""

    availability: Number = Field(
        gt=0, lt=100, description="the promised availability, a percentage below 100, like 99.9"
    )
    p95_latency_ms: Integer = Field(
        gt=0, le=3_600_000, description="the promised p95 latency in milliseconds, like 800"
    )


class SecretRef(CamelModel):
    """A key of a Kubernetes Secret in the gateway's namespace holding the remote credential."""

    name: DnsLabel = Field(description="the Secret's name, a DNS label like acme-crm-token")
    key: str = Field(pattern=SECRET_KEY, description="the key inside the Secret, like token")


class RemoteServer(CamelModel):
    """Where the remote MCP endpoint lives and what the gateway needs to reach it."""

    url: HttpsUrl = Field(
        description="the remote MCP endpoint, https://host[:port]/path, no query or fragment"
    )
    sla: RemoteSla = Field(description="availability and p95LatencyMs the remote promises")
    credential_secret: SecretRef = Field(
        description="the Secret (name, key) holding the credential the gateway injects"
    )

    @field_validator("url")
    @classmethod
    def _endpoint_only(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError(
                f"{url!r}: give the endpoint as https://host[:port]/path, without query, "
                "fragment or credentials (the credential comes from credentialSecret)"
            )
        return url

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 443
