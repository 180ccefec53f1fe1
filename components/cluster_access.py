"""A Kubernetes provider bound to the stack's cluster, never to whatever kubeconfig is current.

Deploying prod into the wrong cluster because a laptop's current context pointed elsewhere
is a classic incident; the provider here is built from the cluster the stack file names,
authenticating with ``aws eks get-token`` like ``aws eks update-kubeconfig`` would.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s


def kubeconfig(cluster_name: str, region: str, endpoint: str, certificate_authority: str) -> str:
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region],
            "interactiveMode": "Never",
        }
    }
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": cluster_name,
                    "cluster": {
                        "server": endpoint,
                        "certificate-authority-data": certificate_authority,
                    },
                }
            ],
            "contexts": [
                {"name": cluster_name, "context": {"cluster": cluster_name, "user": "aws"}}
            ],
            "current-context": cluster_name,
            "users": [{"name": "aws", "user": user}],
        }
    )


def cluster_provider(
    name: str, cluster_name: str, region: str, parent: pulumi.Resource
) -> k8s.Provider:
    """A provider for the EKS cluster ``cluster_name`` in ``region``, read from AWS."""
    cluster = aws.eks.get_cluster_output(
        name=cluster_name, opts=pulumi.InvokeOutputOptions(parent=parent)
    )
    config = cluster.apply(
        lambda found: kubeconfig(
            cluster_name,
            region,
            found.endpoint,
            found.certificate_authorities[0].data,
        )
    )
    return k8s.Provider(
        name,
        kubeconfig=pulumi.Output.secret(config),  # type: ignore[arg-type]
        enable_server_side_apply=True,
        delete_unreachable=False,
        opts=pulumi.ResourceOptions(parent=parent),
    )
