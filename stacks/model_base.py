"""The one base model and the constrained types shared by stack settings and catalog entries.

Stack files and catalog entries are both YAML written by people, so they share one set of
rules: camelCase keys, unknown keys refused (they are typos), no silent coercion (``true``
is not a number, ``2.5`` is not an integer), no infinities or NaN, and names that Kubernetes
and AWS accept. Both ``stacks.settings`` and ``catalog.entry`` import from here; nothing
defines these patterns a second time.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    HttpUrl,
    Strict,
    StringConstraints,
    TypeAdapter,
)
from pydantic.alias_generators import to_camel

INT32_MAX = 2**31 - 1
"""Kubernetes counts (replicas, ports) are int32 in the API schema."""

DNS_LABEL_PATTERN = r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$"
"""A lowercase ASCII DNS-1035 label of at most 40 characters.

40, not Kubernetes' 63, because these names are combined into longer ones: ``backup-age-``
plus a dependency name must stay within a CronJob's 52 characters, and ``mcp-`` plus a
server name within a DNS label.
"""
TENANT_PATTERN = r"^[a-z]([a-z0-9-]{0,28}[a-z0-9])?$"
"""A lowercase ASCII slug of at most 30 characters: the namespace is ``mcp-<tenant>``."""
LABEL_VALUE_PATTERN = r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$"
"""A Kubernetes label value (at most 63 characters), since owners become labels and tags."""
DIGEST_IMAGE_PATTERN = r"^[a-z0-9][a-z0-9._\-/:]*@sha256:[0-9a-f]{64}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
HTTP_PATH_PATTERN = r"^/[A-Za-z0-9._~/-]*$"


class CamelModel(BaseModel):
    """camelCase in YAML, snake_case in Python, unknown keys refused, no inf or NaN."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
    )


Integer = Annotated[int, Strict()]
"""An integer as written: ``true`` and ``2.5`` are refused rather than read as 1 and 2."""
Number = Annotated[float, Strict()]
"""A finite number as written (integers allowed): ``true`` and ``"5"`` are refused."""
Flag = Annotated[bool, Strict()]
"""``true`` or ``false``: ``1``, ``"yes"`` and ``"false"`` are refused."""

DnsLabel = Annotated[str, StringConstraints(pattern=DNS_LABEL_PATTERN)]
Tenant = Annotated[str, StringConstraints(pattern=TENANT_PATTERN)]
LabelValue = Annotated[str, StringConstraints(pattern=LABEL_VALUE_PATTERN)]
DigestImage = Annotated[str, StringConstraints(pattern=DIGEST_IMAGE_PATTERN)]
Sha256 = Annotated[str, StringConstraints(pattern=SHA256_PATTERN)]
HttpPath = Annotated[str, StringConstraints(pattern=HTTP_PATH_PATTERN)]

_EMAIL = TypeAdapter(EmailStr)
_HTTP_URL = TypeAdapter(HttpUrl)


def _email(address: str) -> str:
    """Checked by email-validator; kept as written so what was signed is what is shown."""
    _EMAIL.validate_python(address)
    return address


def _https_url(url: str) -> str:
    parsed = _HTTP_URL.validate_python(url)
    if parsed.scheme != "https":
        raise ValueError(f"{url!r} is not an https:// URL; pages leave the account only over TLS")
    return url


def _cidr(block: str) -> str:
    try:
        ipaddress.ip_network(block, strict=True)
    except ValueError as error:
        raise ValueError(
            f"{block!r} is not a CIDR block ({error}); write an address and prefix length "
            "with the host bits zero, like 203.0.113.0/24 or 2001:db8::/32"
        ) from None
    return block


EmailAddress = Annotated[str, Strict(), AfterValidator(_email)]
HttpsUrl = Annotated[str, Strict(), AfterValidator(_https_url)]
CidrBlock = Annotated[str, Strict(), AfterValidator(_cidr)]
