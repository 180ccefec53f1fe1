"""A server's Service: headless, on the named port ``mcp``, the gateway's only way in.

Headless (``clusterIP: None``) so that cluster DNS answers the SRV record
``_mcp._tcp.<server>.<namespace>.svc.cluster.local`` with each *ready* pod's address
(``publishNotReadyAddresses: false``): the gateway's ``server-template`` follows the pods of
a Deployment or an Argo Rollout as they come and go, and pins sessions to a pod's address
(gateway/backends.py). A ClusterIP would hide the pods behind one virtual address and make
session pinning impossible. Turning an existing ClusterIP Service headless replaces it
(``clusterIP`` cannot change in place): a short gap the gateway rides out with its retries.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi_kubernetes as k8s

from gateway.from_settings import SERVER_PORT_NAME


def server_service_spec(
    port: int, port_name: str, selector: Mapping[str, str]
) -> k8s.core.v1.ServiceSpecArgs:
    """Headless ClusterIP type only: no NodePort or load balancer (the tenant quota forbids
    both); ``port_name`` is the container's named port the Service targets."""
    return k8s.core.v1.ServiceSpecArgs(
        type="ClusterIP",
        cluster_ip="None",
        publish_not_ready_addresses=False,
        selector=dict(selector),
        ports=[
            k8s.core.v1.ServicePortArgs(
                name=SERVER_PORT_NAME, port=port, target_port=port_name, protocol="TCP"
            )
        ],
    )
