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
HOSTS_PER_CONDITION = 5
"""Values one ALB host-header condition may hold."""
HOST_VALUE_LIMIT = 128
"""Characters in one host-header condition value."""
FIRST_RULE_PRIORITY = 100
"""Room below for a rule an operator must put first (a maintenance answer, say)."""
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
    """``mcp-{env}-{server}-{hash}`` (``server`` is ``gateway``), readable, unique, stable.

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


def host_rule_groups(hosts: Iterable[str]) -> list[tuple[str, ...]]:
    """The hosts the gateway serves, sorted and cut into groups of ``HOSTS_PER_CONDITION``.

    One listener rule per group: an ALB host-header condition holds at most five values, and
    a handful of rules (a fleet's hosts, not its servers) stays far below the ALB's rule
    quota. Sorting keeps each group, hence each rule, stable whatever order hosts arrive in.
    """
    ordered = sorted(set(hosts))
    return [
        tuple(ordered[start : start + HOSTS_PER_CONDITION])
        for start in range(0, len(ordered), HOSTS_PER_CONDITION)
    ]
