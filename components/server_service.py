"""A server's Service: ClusterIP on its named HTTP port, the gateway's only way in."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi_kubernetes as k8s


def server_service_spec(
    port: int, port_name: str, selector: Mapping[str, str]
) -> k8s.core.v1.ServiceSpecArgs:
    """ClusterIP only: no NodePort or load balancer of its own (the tenant quota forbids both)."""
    return k8s.core.v1.ServiceSpecArgs(
        type="ClusterIP",
        selector=dict(selector),
        ports=[
            k8s.core.v1.ServicePortArgs(
                name=port_name, port=port, target_port=port_name, protocol="TCP"
            )
        ],
    )
