"""The Pod Security Standard "restricted", written once for every workload and namespace.

The fleet's servers and the backup jobs both run under it; a namespace that enforces it also
denies ingress by default, so only explicit NetworkPolicies (the load balancer path) admit.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s

RUNTIME_DEFAULT = k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault")


def restricted_container_context(user: int) -> k8s.core.v1.SecurityContextArgs:
    """Non-root, read-only root filesystem, no capabilities, no privilege escalation."""
    return k8s.core.v1.SecurityContextArgs(
        allow_privilege_escalation=False,
        read_only_root_filesystem=True,
        run_as_non_root=True,
        run_as_user=user,
        run_as_group=user,
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
        seccomp_profile=RUNTIME_DEFAULT,
    )


def restricted_pod_context(user: int) -> k8s.core.v1.PodSecurityContextArgs:
    return k8s.core.v1.PodSecurityContextArgs(
        run_as_non_root=True,
        run_as_user=user,
        run_as_group=user,
        fs_group=user,
        seccomp_profile=RUNTIME_DEFAULT,
    )


def restricted_namespace(
    resource_name: str,
    namespace: str,
    labels: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> k8s.core.v1.Namespace:
    """A namespace enforcing "restricted" pods, with a default-deny ingress NetworkPolicy."""
    enforced = {
        **labels,
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
    }
    created = k8s.core.v1.Namespace(
        resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=namespace, labels=enforced),
        opts=opts,
    )
    k8s.networking.v1.NetworkPolicy(
        f"{resource_name}-default-deny",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name="default-deny-ingress", namespace=created.metadata.name, labels=enforced
        ),
        spec=k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=k8s.meta.v1.LabelSelectorArgs(),
            policy_types=["Ingress"],
        ),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=created)),
    )
    return created
