"""Changes to whom the gateway trusts for a tenant: its token issuer, algorithm and keys.

A tenant's identity settings (``tenants[].identity``) reach the cluster only as lines of the
gateway's rendered HAProxy configuration (``gateway/frontend.py``'s verification rules, one
per key: ``set-var(txn.tenant) str(T) if { var(txn.iss) -m str ISSUER }
{ http_auth_bearer,jwt_verify("ALG","KEY") -m int 1 }``). In a diff they are one changed
line in a long ConfigMap text, easy to scroll past; yet a changed issuer or a dropped key
refuses every token of that tenant the moment the gateway rolls, and a new issuer lets a
new population of callers in. So each is read back out of the before and after text and
called out per tenant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from policy.gateway_config import gateway_config_text
from review.diff import ChangeKind, ResourceChange

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
VERIFY = re.compile(
    r"set-var\(txn\.tenant\) str\((?P<tenant>[^)]+)\)"
    r" if \{ var\(txn\.iss\) -m str (?P<issuer>\S+) \}"
    r' \{ http_auth_bearer,jwt_verify\("(?P<algorithm>[^"]+)","(?P<key>[^"]+)"\) -m int 1 \}'
)


@dataclass(frozen=True)
class TrustedIdentity:
    """What the gateway accepts as a token of one tenant."""

    issuers: frozenset[str]
    algorithms: frozenset[str]
    keys: frozenset[str]


def trusted_identities(config_text: str) -> dict[str, TrustedIdentity]:
    """Tenant -> its issuer(s), algorithm(s) and key files, from the rendered configuration."""
    found: dict[str, tuple[set[str], set[str], set[str]]] = {}
    for match in VERIFY.finditer(config_text):
        issuers, algorithms, keys = found.setdefault(match["tenant"], (set(), set(), set()))
        issuers.add(match["issuer"])
        algorithms.add(match["algorithm"])
        keys.add(match["key"])
    return {
        tenant: TrustedIdentity(frozenset(i), frozenset(a), frozenset(k))
        for tenant, (i, a, k) in found.items()
    }


def _config_of(record: Mapping[str, Any] | None) -> dict[str, TrustedIdentity] | None:
    text = gateway_config_text((record or {}).get("inputs") or {})
    return None if text is None else trusted_identities(text)


def _listed(values: frozenset[str]) -> str:
    return ", ".join(f"`{value}`" for value in sorted(values)) or "none"


def _differences(tenant: str, old: TrustedIdentity, new: TrustedIdentity) -> Iterator[str]:
    if old.issuers != new.issuers:
        yield (
            f"tenant {tenant}'s token issuer at the gateway changes from {_listed(old.issuers)} "
            f"to {_listed(new.issuers)}: tokens of the old issuer are refused once it deploys"
        )
    if old.algorithms != new.algorithms:
        yield (
            f"tenant {tenant}'s token algorithm at the gateway changes from "
            f"{_listed(old.algorithms)} to {_listed(new.algorithms)}"
        )
    if old.keys != new.keys:
        added, removed = new.keys - old.keys, old.keys - new.keys
        parts = [
            f"added {_listed(added)}" if added else "",
            f"removed {_listed(removed)}" if removed else "",
        ]
        yield (
            f"tenant {tenant}'s signing keys at the gateway change ({', '.join(p for p in parts if p)})"
            + (": tokens signed only by a removed key are refused" if removed else "")
        )


def tenant_identity_changes(change: ResourceChange) -> Iterator[tuple[str, str]]:
    """``(tenant, message)`` for each tenant whose trusted identity the change alters."""
    if change.type != CONFIG_MAP or change.kind not in (ChangeKind.CHANGED, ChangeKind.REPLACED):
        return
    before, after = _config_of(change.before), _config_of(change.after)
    if before is None or after is None or before == after:
        return
    for tenant in sorted(before.keys() | after.keys()):
        old, new = before.get(tenant), after.get(tenant)
        if old is None and new is not None:
            yield (
                tenant,
                (
                    f"tenant {tenant} is newly trusted at the gateway: issuer "
                    f"{_listed(new.issuers)}, keys {_listed(new.keys)}"
                ),
            )
        elif new is None and old is not None:
            yield (
                tenant,
                (
                    f"tenant {tenant} is no longer trusted at the gateway (issuer "
                    f"{_listed(old.issuers)}): every token of it is refused"
                ),
            )
        elif old is not None and new is not None:
            for message in _differences(tenant, old, new):
                yield tenant, message
