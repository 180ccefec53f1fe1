"""Which servers slo-alarms-present holds to their SLO, and what an alarm of theirs reads.

A server in the cluster states its SLO on its Deployment's labels. A remote server has no
Deployment: it is a route of the gateway (its rendered configuration, in the gateway's
ConfigMap) whose signed catalog entry, on the gateway's Deployment, states its SLA. Both are
measured at the gateway (namespace ``McpFleet/Gateway/<env>``, dimensions Tenant and Server),
since the load balancer only forwards to the gateway and sees no server.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pulumi_policy import PolicyResource

from ..gateway_config import COMPONENT_LABEL, GATEWAY_COMPONENT, gateway_config_text
from ..kubernetes_views import labels_of
from ..reads import as_number, get, is_unknown, items, string_map
from ..remote_facts import remote_entries, remote_routes
from ..resource_types import CONFIG_MAP, DEPLOYMENT
from ..slo_declared import declared_slo, server_deployments

GATEWAY_NAMESPACE_PREFIX = "McpFleet/Gateway/"
"""The gateway's metrics: ``McpFleet/Gateway/<env>`` (components/gateway_metrics.py)."""
SERVER_DIMENSION = "Server"


@dataclass(frozen=True)
class WatchedServer:
    """A server the pack expects alarms for; objectives None when not known (yet)."""

    server: str
    success_rate: float | None
    p95_ms: float | None
    urn: str
    """Where a missing alarm is reported: the Deployment, or the gateway's ConfigMap."""
    remote: bool = False


def watched_servers(resources: list[PolicyResource]) -> list[WatchedServer]:
    """Every server with an SLO on its Deployment, then every remote route of the gateway."""
    found: dict[str, WatchedServer] = {}
    for server, deployment in server_deployments(resources).items():
        declared = declared_slo(deployment, labels_of(deployment.props))
        if declared is not None:
            found[server] = WatchedServer(
                server, declared.success_rate, declared.p95_ms, deployment.urn
            )
    for remote in _remote_servers(resources):
        found.setdefault(remote.server, remote)
    return list(found.values())


def _remote_servers(resources: list[PolicyResource]) -> Iterator[WatchedServer]:
    gateways = [
        r
        for r in resources
        if r.resource_type == DEPLOYMENT
        and labels_of(r.props).get(COMPONENT_LABEL) == GATEWAY_COMPONENT
    ]
    for resource in resources:
        if resource.resource_type != CONFIG_MAP:
            continue
        text = gateway_config_text(resource.props)
        if text is None:
            continue
        entries = _entries(gateways)
        for route in remote_routes(text):
            sla = get(entries.get(route.name), "entry", "remote", "sla")
            yield WatchedServer(
                route.name,
                as_number(get(sla, "availability")),
                as_number(get(sla, "p95LatencyMs")),
                resource.urn,
                remote=True,
            )


def _entries(gateways: list[PolicyResource]) -> dict[str, Any]:
    """Route -> signed entry proof, from the (first) gateway Deployment; {} when unknown."""
    for gateway in gateways[:1]:
        try:
            proofs = remote_entries(gateway.props)
        except ValueError:
            return {}  # remote-server-governed reports the broken annotation
        return proofs if isinstance(proofs, dict) else {}
    return {}


def metrics_read(alarm: Any) -> list[tuple[Any, Any]]:
    """(namespace, dimensions) of every metric an alarm reads, directly or in metric math."""
    read = []
    if get(alarm, "metricName") is not None:
        read.append((get(alarm, "namespace"), get(alarm, "dimensions")))
    for query in items(get(alarm, "metricQueries")):
        metric = get(query, "metric")
        if metric is not None:
            read.append((get(metric, "namespace"), get(metric, "dimensions")))
    return read


def reads_gateway(alarm: Any, server: str) -> bool | None:
    """Does the alarm read one of the gateway's metrics of ``server``? None when unknown."""
    if is_unknown(get(alarm, "metricQueries")):
        return None
    verdicts: list[bool | None] = []
    for namespace, dimensions in metrics_read(alarm):
        if is_unknown(namespace) or is_unknown(dimensions):
            verdicts.append(None)
            continue
        named = string_map(dimensions).get(SERVER_DIMENSION)
        if is_unknown(named):
            verdicts.append(None)
            continue
        verdicts.append(
            isinstance(namespace, str)
            and namespace.startswith(GATEWAY_NAMESPACE_PREFIX)
            and named == server
        )
    if True in verdicts:
        return True
    return None if None in verdicts else False
