"""Names and rule priorities of the load balancer's resources: readable, unique and stable.

ELB names are physical identities: a target group whose name changes is replaced, a rule
whose priority changes is rewritten. Every function here is therefore a pure function of
what the name must stay stable against.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

NAME_LIMIT = 32
"""ELB load balancer and target group names: at most 32 alphanumerics and hyphens."""
HASH_LENGTH = 6
MAX_RULE_PRIORITY = 50_000
TARGET_PROTOCOL = "HTTP"
TARGET_TYPE = "ip"
"""Pods are targets themselves (VPC CNI): no NodePort hop, and readiness gates work."""


def _short_hash(*parts: object) -> str:
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()[:HASH_LENGTH]


def _fit_name(base: str, fingerprint: str) -> str:
    """``base-fingerprint`` within ELB's 32 characters, cutting ``base`` if it must."""
    room = NAME_LIMIT - len(fingerprint) - 1
    return f"{base[:room].rstrip('-')}-{fingerprint}"


def target_group_name(environment: str, server: str, port: int, vpc_id: str) -> str:
    """``mcp-{env}-{server}-{hash}``, readable in consoles and CloudWatch, unique, stable.

    The hash covers what forces a target group to be replaced (port, protocol, target
    type, VPC). A replacement therefore gets a new name, so Pulumi can create the new
    group before deleting the old one, which a listener rule still uses until it switches.
    """
    base = f"mcp-{environment}-{server}"
    fingerprint = _short_hash(base, port, TARGET_PROTOCOL, TARGET_TYPE, vpc_id)
    return _fit_name(base, fingerprint)


def load_balancer_name(name: str) -> str:
    """``name`` as is when it fits ELB's 32 characters, else cut with a stable hash."""
    return name if len(name) <= NAME_LIMIT else _fit_name(name, _short_hash(name))


def rule_priorities(server_names: Iterable[str]) -> dict[str, int]:
    """A priority per server derived from its name, not from its place in the list.

    Host-header rules never overlap, so their order does not matter; what matters is that
    adding or removing a server leaves every other rule's priority alone (renumbering all
    rules on each change would churn them and risk PriorityInUse during the update).
    """
    taken: set[int] = set()
    priorities: dict[str, int] = {}
    for name in sorted(server_names):
        priority = 1 + int(_short_hash("rule", name), 16) % MAX_RULE_PRIORITY
        while priority in taken:
            priority = priority % MAX_RULE_PRIORITY + 1
        taken.add(priority)
        priorities[name] = priority
    return priorities
