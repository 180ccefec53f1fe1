"""What resources declare about their server's SLO, read the same way by every SLO policy.

AWS tags and Kubernetes labels use the same keys (``contract.py``), so one reading covers
both: the Deployment of a server states its SLO, and every other resource of that server
states the same one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import PolicyResource

from . import contract
from . import resource_types as types
from .aws_views import is_taggable_aws, tags_of
from .kubernetes_views import labels_of
from .reads import UNKNOWN, as_number, get, is_unknown

TOLERANCE = 1e-6


def identity(resource_type: str, props: Any, provider: Any) -> dict[str, Any] | None:
    """The labels/tags of a resource the SLO policies govern; None for any other resource."""
    if resource_type.startswith("kubernetes:"):
        if resource_type not in types.KUBERNETES_WORKLOADS:
            return None
        if is_unknown(get(props, "metadata", "labels")):
            return {key: UNKNOWN for key in contract.REQUIRED_KEYS}
        return labels_of(props)
    if is_taggable_aws(resource_type, props):
        return tags_of(props, provider)
    return None


@dataclass(frozen=True)
class DeclaredSlo:
    server: str
    success_rate: float | None
    p95_ms: float | None
    urn: str


def declared_slo(resource: PolicyResource, labels: Mapping[str, Any]) -> DeclaredSlo | None:
    """The SLO a resource's labels/tags state for its server; None when it states none."""
    server = labels.get(contract.SERVER)
    if not isinstance(server, str) or not server:
        return None
    success = as_number(labels.get(contract.SLO_SUCCESS_RATE))
    p95 = as_number(labels.get(contract.SLO_P95_MS))
    if success is None and p95 is None:
        return None
    return DeclaredSlo(server, success, p95, resource.urn)


def server_deployments(resources: list[PolicyResource]) -> dict[str, PolicyResource]:
    """Each server's (first) Deployment: the one that states the server's SLO."""
    found: dict[str, PolicyResource] = {}
    for resource in resources:
        if resource.resource_type == types.DEPLOYMENT:
            server = labels_of(resource.props).get(contract.SERVER)
            if isinstance(server, str) and server and server != contract.FLEET_SERVER:
                found.setdefault(server, resource)
    return found


def declared_by_server(resources: list[PolicyResource]) -> dict[str, DeclaredSlo]:
    """The SLO each server's Deployment declares."""
    found: dict[str, DeclaredSlo] = {}
    for server, deployment in server_deployments(resources).items():
        declared = declared_slo(deployment, labels_of(deployment.props))
        if declared is not None:
            found[server] = declared
    return found


def number_text(value: float | None) -> str:
    """A number as people write it: 99.5, 400 (not 400.0); '?' when not declared."""
    return "?" if value is None else f"{value:g}"


def differs(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) > TOLERANCE
