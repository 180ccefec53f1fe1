"""The EKS control-plane audit log: the operator switches it on; ``pulumi preview`` says if not.

What ``kubectl`` (or anything with cluster credentials) did inside the cluster is only in
EKS's control-plane ``audit`` log, and the cluster belongs to whoever created it, not to this
program (``components/cluster_access.py`` only reads it), so the program cannot switch it
on. It reads the cluster's ``enabledClusterLogTypes`` (the same ``eks:DescribeCluster`` the
Kubernetes provider already needs) and, when ``audit`` is missing, warns on every preview and
update with the command that fixes it (docs/audit.md, "EKS control-plane audit log").
When the log types are not known (the offline review's mocks do not answer them) nothing is
said: the warning speaks only about what it read.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

REQUIRED_LOG_TYPES = ("audit", "authenticator")


def enable_command(cluster: str, region: str) -> str:
    types = ",".join(f'"{kind}"' for kind in REQUIRED_LOG_TYPES)
    return (
        f"aws eks update-cluster-config --region {region} --name {cluster} --logging "
        f'\'{{"clusterLogging":[{{"types":[{types}],"enabled":true}}]}}\''
    )


def missing_audit_log(cluster: str, region: str, enabled: Sequence[str] | None) -> str | None:
    """The warning for a cluster whose control-plane audit log is off; None if on or unknown."""
    if enabled is None:
        return None
    missing = [kind for kind in REQUIRED_LOG_TYPES if kind not in enabled]
    if not missing:
        return None
    return (
        f"EKS cluster {cluster} does not send its control-plane {' and '.join(missing)} log "
        f"to CloudWatch (enabled: {', '.join(enabled) or 'none'}): what kubectl did in the "
        f"cluster is in no audit record. The program does not own the cluster; run "
        f"`{enable_command(cluster, region)}` (docs/audit.md)"
    )


def check_control_plane_audit(
    cluster: str, region: str, parent: pulumi.Resource
) -> pulumi.Output[None]:
    """Warn during preview and update when the cluster's audit log is off."""
    found = aws.eks.get_cluster_output(name=cluster, opts=pulumi.InvokeOutputOptions(parent=parent))

    def judge(enabled: Sequence[str] | None) -> None:
        message = missing_audit_log(cluster, region, enabled)
        if message is not None:
            pulumi.log.warn(message, resource=parent)

    return found.enabled_cluster_log_types.apply(judge)
