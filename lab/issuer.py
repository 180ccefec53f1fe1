"""A local test issuer per tenant: an RSA key pair on disk and the tokens it signs.

The gateway reads only the public key (HAProxy's ``jwt_verify`` takes a PEM file); the lab's
`token` command signs with the private key, which never leaves the state directory.
"""

from __future__ import annotations

import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lab.errors import LabError
from lab.state import LabState, LabTenant

ALGORITHM = "RS256"
LIFETIME_SECONDS = 3600
EXPIRED_AGO_SECONDS = 600  # far beyond the gateway's clock-skew allowance


def issuer_url(tenant: str) -> str:
    """A name, not a place: ``.invalid`` never resolves, so nothing can fetch from it."""
    return f"https://{tenant}.issuer.lab.invalid"


def create_issuer(tenant: str, keys_dir: Path) -> LabTenant:
    """Generate the tenant's key pair; the private half is readable by its owner only."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = keys_dir / f"{tenant}.key.pem"
    public = keys_dir / f"{tenant}.pub.pem"
    private.touch(mode=0o600)
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return LabTenant(issuer=issuer_url(tenant), private_key=str(private), public_key=str(public))


def issue_token(
    state: LabState,
    *,
    tenant: str,
    server: str,
    expired: bool = False,
    audience: str | None = None,
    subject: str = "lab-user",
    now: float | None = None,
) -> str:
    """A JWT of ``tenant``'s issuer for ``server``'s canonical URI (or ``audience``)."""
    if tenant not in state.tenants:
        raise LabError(
            f"--tenant {tenant!r}: this lab has tenants {', '.join(sorted(state.tenants))}"
        )
    if server not in state.servers:
        raise LabError(
            f"--server {server!r}: this lab has servers {', '.join(sorted(state.servers))}"
        )
    issued = int(now if now is not None else time.time())
    expires = issued - EXPIRED_AGO_SECONDS if expired else issued + LIFETIME_SECONDS
    claims = {
        "iss": state.tenants[tenant].issuer,
        "sub": subject,
        "aud": audience or state.servers[server].url,
        "iat": issued,
        "nbf": issued - (EXPIRED_AGO_SECONDS + LIFETIME_SECONDS if expired else 0),
        "exp": expires,
        "tenant": tenant,
    }
    key = Path(state.tenants[tenant].private_key).read_text()
    return jwt.encode(claims, key, algorithm=ALGORITHM)
