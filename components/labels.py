"""The one place tags and labels are built.

AWS tag keys and Kubernetes label keys are the same strings, so a person (or a policy) can
follow one server from its pods to its target group and alarms with a single key. Values
are label-safe: Kubernetes allows at most 63 characters of ``[A-Za-z0-9._-]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from policy.contract import (
    APP_NAME,
    APP_VERSION,
    ENVIRONMENT,
    FLEET_SERVER,
    MANAGED_BY,
    OWNER,
    PART_OF,
    PREFIX,
    REQUIRED_KEYS,
    SERVER,
    SHARED_TENANT,
    SLO_P95_MS,
    SLO_SUCCESS_RATE,
    TENANT,
    TIER,
)
from stacks.fleet_plan import PlannedServer


def _number(value: float) -> str:
    """99.0 -> '99.0', 99.95 -> '99.95': stable text for a label value."""
    return f"{value:g}" if value != int(value) else f"{value:.1f}"


@dataclass(frozen=True)
class Fleet:
    """Who a stack's fleet-wide resources belong to; Platform builds it from Settings."""

    project: str
    environment: str
    owner: str
    """The team owning fleet-wide resources (load balancer, buckets)."""
    slo_success_rate: float
    """The stack's SLO defaults: the floor every server is held to."""
    slo_p95_ms: int


def standard_tags(fleet: Fleet, server: PlannedServer | None = None) -> dict[str, str]:
    """Tags for an AWS resource: the server's identity, or the fleet's for shared resources.

    Shared resources (the load balancer, buckets) carry the stack's SLO defaults, which are
    the floor every server is held to.
    """
    if server is None:
        identity = {
            SERVER: FLEET_SERVER,
            TENANT: SHARED_TENANT,
            OWNER: fleet.owner,
            TIER: "tier-1",
            SLO_SUCCESS_RATE: _number(fleet.slo_success_rate),
            SLO_P95_MS: str(fleet.slo_p95_ms),
        }
    else:
        identity = {
            SERVER: server.name,
            TENANT: server.tenant,
            OWNER: server.entry.owner.team,
            TIER: server.entry.tier.value,
            SLO_SUCCESS_RATE: _number(server.slo.tool_success_rate),
            SLO_P95_MS: str(server.slo.p95_latency_ms),
        }
    return {
        ENVIRONMENT: fleet.environment,
        **identity,
        MANAGED_BY: "pulumi",
        PART_OF: fleet.project,
    }


def kubernetes_labels(fleet: Fleet, server: PlannedServer | None = None) -> dict[str, str]:
    """Labels for a Kubernetes object: the same keys as the AWS tags, plus the app name."""
    labels = standard_tags(fleet, server)
    labels[APP_NAME] = server.name if server else FLEET_SERVER
    if server is not None:
        labels[APP_VERSION] = server.entry.version
    return labels


def selector_labels(server: PlannedServer) -> dict[str, str]:
    """The immutable subset that selects a server's pods (a Deployment selector cannot change)."""
    return {APP_NAME: server.name, SERVER: server.name}


__all__ = [
    "ENVIRONMENT",
    "FLEET_SERVER",
    "OWNER",
    "PREFIX",
    "REQUIRED_KEYS",
    "SERVER",
    "SHARED_TENANT",
    "SLO_P95_MS",
    "SLO_SUCCESS_RATE",
    "TENANT",
    "TIER",
    "Fleet",
    "kubernetes_labels",
    "selector_labels",
    "standard_tags",
]
