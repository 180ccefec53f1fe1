"""The gateway's NetworkPolicy: in from the load balancer only, out to servers, DNS, remotes.

Egress is denied by default once listed, so the gateway reaches exactly the tenant
namespaces' server ports, cluster DNS, the collector's OTLP ports (when telemetry is set),
and (only when a remote server exists) HTTPS outside the cluster's private ranges. Gateway
pods also reach each other's health port, in and out: each replica checks its peers to
count the live ones for the rate-limit shares. Remote hosts are names, which NetworkPolicy cannot match, so
443 to public addresses is the narrowest rule Kubernetes offers without an egress proxy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

import pulumi
import pulumi_kubernetes as k8s

from components.gateway_args import HEALTH_PORT, HTTP_PORT, GatewayArgs, Upstream

PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

Peer = k8s.networking.v1.NetworkPolicyPeerArgs
Port = k8s.networking.v1.NetworkPolicyPortArgs


def _from_load_balancer(cidrs: Sequence[str]) -> list[Peer]:
    return [Peer(ip_block=k8s.networking.v1.IPBlockArgs(cidr=cidr)) for cidr in cidrs]


def _to_namespace(upstream: Upstream) -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=[
            Peer(
                namespace_selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels={NAMESPACE_NAME_LABEL: upstream.namespace}
                )
            )
        ],
        ports=[Port(port=port, protocol="TCP") for port in upstream.ports],
    )


def _dns() -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=[
            Peer(
                namespace_selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels={NAMESPACE_NAME_LABEL: "kube-system"}
                ),
                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"k8s-app": "kube-dns"}),
            )
        ],
        ports=[Port(port=53, protocol="UDP"), Port(port=53, protocol="TCP")],
    )


def _remote_https() -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=[
            Peer(
                ip_block=k8s.networking.v1.IPBlockArgs(
                    cidr="0.0.0.0/0", except_=list(PRIVATE_RANGES)
                )
            )
        ],
        ports=[Port(port=443, protocol="TCP")],
    )


def _peers(selector: Mapping[str, str]) -> list[Peer]:
    """The gateway's own pods (this namespace, by label)."""
    return [Peer(pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(selector)))]


def _collector(endpoint: str) -> k8s.networking.v1.NetworkPolicyEgressRuleArgs:
    """The collector Service's namespace and port, read from the OTLP endpoint URL."""
    parts = urlsplit(endpoint)
    namespace = (parts.hostname or "").split(".")[1]
    return k8s.networking.v1.NetworkPolicyEgressRuleArgs(
        to=[
            Peer(
                namespace_selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels={NAMESPACE_NAME_LABEL: namespace}
                )
            )
        ],
        ports=[Port(port=parts.port, protocol="TCP")],
    )


def gateway_network_policy(
    args: GatewayArgs, selector: Mapping[str, str]
) -> k8s.networking.v1.NetworkPolicySpecArgs:
    health = [Port(port=HEALTH_PORT, protocol="TCP")]
    egress = [_to_namespace(upstream) for upstream in args.upstreams] + [_dns()]
    egress.append(k8s.networking.v1.NetworkPolicyEgressRuleArgs(to=_peers(selector), ports=health))
    if args.telemetry is not None:
        egress.append(_collector(args.telemetry.endpoint))
    if args.remote_credentials:
        egress.append(_remote_https())
    return k8s.networking.v1.NetworkPolicySpecArgs(
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(selector)),
        policy_types=["Ingress", "Egress"],
        ingress=[
            k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                from_=pulumi.Output.from_input(args.load_balancer_cidrs).apply(_from_load_balancer),
                ports=[
                    Port(port=HTTP_PORT, protocol="TCP"),
                    Port(port=HEALTH_PORT, protocol="TCP"),
                ],
            ),
            k8s.networking.v1.NetworkPolicyIngressRuleArgs(from_=_peers(selector), ports=health),
        ],
        egress=egress,
    )
