"""NetworkPolicy pieces of the tenant boundary: who may call a server, and whom it may call.

A tenant namespace denies everything both ways (``components/tenant_namespace.py``); each
server's own NetworkPolicy (``components/fleet.py``) then admits exactly two things for its
pods only: calls from the gateway's pods on the server's port, and connections to the
dependencies its signed catalog entry declares (``catalog/egress.py``). Peers are selected by
``kubernetes.io/metadata.name``, which Kubernetes sets on every namespace and no tenant can
forge, together with the gateway's pod labels, so neither another tenant's pods, nor any other
pod in the gateway's namespace, nor the load balancer's addresses reach a server directly.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi_kubernetes as k8s

from catalog.egress import EgressRule

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
"""Set by Kubernetes itself on every namespace (1.22+): a selector no tenant can forge."""

Peer = k8s.networking.v1.NetworkPolicyPeerArgs
Port = k8s.networking.v1.NetworkPolicyPortArgs
Selector = k8s.meta.v1.LabelSelectorArgs


@dataclass(frozen=True)
class GatewayPeer:
    """The only caller a server admits: the gateway's pods, in the gateway's namespace."""

    namespace: str
    pod_labels: Mapping[str, str]

    def __post_init__(self) -> None:
        if not self.namespace or not self.pod_labels:
            raise ValueError(
                "GatewayPeer: give the gateway's namespace and its pod labels; an empty "
                "selector would admit every pod of that namespace"
            )


@dataclass(frozen=True)
class EgressDependency:
    """Somewhere pods may call: CIDR blocks or a namespace, on given ports."""

    name: str
    ports: tuple[int, ...]
    cidrs: tuple[str, ...] = ()
    namespace: str | None = None
    protocol: str = "TCP"

    @classmethod
    def from_catalog(cls, rule: EgressRule) -> EgressDependency:
        return cls(rule.name, tuple(rule.ports), tuple(rule.cidrs), rule.namespace, rule.protocol)

    def problems(self, tenant_namespaces: frozenset[str], own: str) -> list[str]:
        found = []
        if bool(self.cidrs) == (self.namespace is not None):
            found.append(f"dependency {self.name!r}: give cidrs or a namespace, not both or none")
        if not self.ports or any(not 1 <= port <= 65535 for port in self.ports):
            found.append(f"dependency {self.name!r}: ports must be 1-65535, got {self.ports}")
        for block in self.cidrs:
            try:
                ipaddress.ip_network(block, strict=True)
            except ValueError:
                found.append(f"dependency {self.name!r}: {block!r} is not a CIDR block")
        if self.namespace in tenant_namespaces and self.namespace != own:
            found.append(
                f"dependency {self.name!r}: namespace {self.namespace} belongs to another "
                "tenant; tenants never call each other's servers directly"
            )
        if self.protocol not in ("TCP", "UDP", "SCTP"):
            found.append(f"dependency {self.name!r}: protocol must be TCP, UDP or SCTP")
        return found


def namespace_selector(namespace: str) -> k8s.meta.v1.LabelSelectorArgs:
    return Selector(match_labels={NAMESPACE_NAME_LABEL: namespace})


def ports(numbers: Sequence[int], protocol: str) -> list[k8s.networking.v1.NetworkPolicyPortArgs]:
    return [Port(port=number, protocol=protocol) for number in numbers]


def egress_rule(dependency: EgressDependency) -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    """One dependency as an egress rule: its namespace, or each of its CIDR blocks."""
    if dependency.namespace is not None:
        peers = [Peer(namespace_selector=namespace_selector(dependency.namespace))]
    else:
        peers = [Peer(ip_block=k8s.networking.v1.IPBlockArgs(cidr=c)) for c in dependency.cidrs]
    return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=peers, ports=ports(dependency.ports, dependency.protocol)
    )


def from_gateway(gateway: GatewayPeer, port: int) -> k8s.networking.v1.NetworkPolicyIngressRuleArgs:
    """The gateway's pods (namespace AND labels in one peer), on the server's port only."""
    return k8s.networking.v1.NetworkPolicyIngressRuleArgs(
        from_=[
            Peer(
                namespace_selector=namespace_selector(gateway.namespace),
                pod_selector=Selector(match_labels=dict(gateway.pod_labels)),
            )
        ],
        ports=ports([port], "TCP"),
    )


def server_network_policy(
    pod_labels: Mapping[str, str],
    port: int,
    gateway: GatewayPeer,
    egress: Sequence[EgressDependency],
) -> k8s.networking.v1.NetworkPolicySpecArgs:
    """A server's pods: in from the gateway on ``port``; out to its declared dependencies.

    Without dependencies the policy leaves egress to the namespace's own rules (DNS and the
    collector); with them, ``Egress`` is listed and each dependency admitted.
    """
    return k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=Selector(match_labels=dict(pod_labels)),
        policy_types=["Ingress", "Egress"] if egress else ["Ingress"],
        ingress=[from_gateway(gateway, port)],
        egress=[egress_rule(dependency) for dependency in egress] or None,
    )
