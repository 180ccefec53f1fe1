"""Service quotas and hard limits the plan can reach, checked before anything is created.

Each ``Quota`` names the limit as AWS or Kubernetes documents it, its default value, where it
is written down, and the way out when a stack reaches it. ``check_quotas`` counts what the
planned stack would create (one target group and one listener rule per server, one target
per replica, two inbound rules per ingress CIDR, ...) and refuses a plan over any of them
with one message. docs/limits.md lists the same table.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from stacks.errors import SettingsError
from stacks.fleet_plan import PlannedServer
from stacks.settings import StackSettings

NAMESPACE = "mcp-fleet"
SPLIT = "split the fleet across two stacks (each gets its own load balancer)"
SPLIT_CLUSTER = "split the fleet across two clusters (one stack each, cluster.name differing)"


@dataclass(frozen=True)
class Quota:
    name: str
    limit: int
    source: str
    way_out: str


ALB_TARGET_GROUPS = Quota(
    "Target Groups per Application Load Balancer", 100, "AWS ELB quotas (not adjustable)", SPLIT
)
ALB_RULES = Quota(
    "Rules per Application Load Balancer (excluding default rules)",
    100,
    "AWS ELB quotas",
    f"request a quota increase in Service Quotas (Elastic Load Balancing), or {SPLIT}",
)
ALB_TARGETS = Quota(
    "Targets per Application Load Balancer",
    1000,
    "AWS ELB quotas",
    "lower maxReplicas or peakRps, use larger pods (the catalog entry's podCpu), request a "
    f"quota increase in Service Quotas (Elastic Load Balancing), or {SPLIT}",
)
TARGET_GROUP_TARGETS = Quota(
    "Targets per Target Group per Region (instances or IP addresses)",
    1000,
    "AWS ELB quotas",
    "lower maxReplicas or peakRps, use larger pods, or request a quota increase",
)
HOST_CONDITION_LENGTH = Quota(
    "characters in an ALB host-header condition value",
    128,
    "AWS ELB listener rule conditions",
    "shorten the server name or network.domain",
)
SG_INBOUND_RULES = Quota(
    "Inbound rules per security group (per IP version)",
    60,
    "AWS VPC quotas",
    "merge network.ingressCidrs into wider blocks, or request a quota increase",
)
SG_OUTBOUND_RULES = Quota(
    "Outbound rules per security group (per IP version)",
    60,
    "AWS VPC quotas",
    "use fewer private subnets or fewer distinct catalog ports, or request a quota increase",
)
CLUSTER_NODES = Quota(
    "nodes per Kubernetes cluster",
    5000,
    "Kubernetes: considerations for large clusters",
    f"lower peakRps, use larger nodes (fleet.coresPerNode), or {SPLIT_CLUSTER}",
)
CLUSTER_PODS = Quota(
    "pods per Kubernetes cluster",
    150_000,
    "Kubernetes: considerations for large clusters",
    f"lower maxReplicas, use larger pods, or {SPLIT_CLUSTER}",
)

QUOTAS = (
    ALB_TARGET_GROUPS,
    ALB_RULES,
    ALB_TARGETS,
    TARGET_GROUP_TARGETS,
    HOST_CONDITION_LENGTH,
    SG_INBOUND_RULES,
    SG_OUTBOUND_RULES,
    CLUSTER_NODES,
    CLUSTER_PODS,
)


def _refuse(stack_file: str, key: str, quota: Quota, count: int, what: str) -> SettingsError:
    return SettingsError(
        f"{stack_file}: {NAMESPACE}:{key}: this plan needs {count} {what}, over the "
        f"{quota.name} limit of {quota.limit} ({quota.source}); {quota.way_out}"
    )


def _check_load_balancer(servers: Sequence[PlannedServer], stack_file: str) -> None:
    if len(servers) > ALB_TARGET_GROUPS.limit:
        raise _refuse(stack_file, "servers", ALB_TARGET_GROUPS, len(servers), "target groups")
    if len(servers) > ALB_RULES.limit:
        raise _refuse(stack_file, "servers", ALB_RULES, len(servers), "listener rules")
    for index, server in enumerate(servers):
        if server.capacity.max_replicas > TARGET_GROUP_TARGETS.limit:
            raise _refuse(
                stack_file,
                f"servers[{index}]",
                TARGET_GROUP_TARGETS,
                server.capacity.max_replicas,
                f"targets (replicas at peak) for {server.name!r}",
            )
        if len(server.hostname) > HOST_CONDITION_LENGTH.limit:
            raise _refuse(
                stack_file,
                f"servers[{index}].name",
                HOST_CONDITION_LENGTH,
                len(server.hostname),
                f"characters for the host name {server.hostname!r}",
            )
    targets = sum(server.capacity.max_replicas for server in servers)
    if targets > ALB_TARGETS.limit:
        raise _refuse(stack_file, "servers", ALB_TARGETS, targets, "targets (replicas at peak)")


def _check_security_group(
    settings: StackSettings, servers: Sequence[PlannedServer], stack_file: str
) -> None:
    versions = [ipaddress.ip_network(cidr).version for cidr in settings.network.ingress_cidrs]
    for version in (4, 6):
        inbound = 2 * versions.count(version)  # HTTPS and the HTTP redirect per block
        if inbound > SG_INBOUND_RULES.limit:
            raise _refuse(
                stack_file,
                "network.ingressCidrs",
                SG_INBOUND_RULES,
                inbound,
                f"IPv{version} inbound rules (two per CIDR block)",
            )
    ports = {server.entry.port for server in servers}
    outbound = len(settings.network.private_subnet_ids) * len(ports)
    if outbound > SG_OUTBOUND_RULES.limit:
        raise _refuse(
            stack_file,
            "network.privateSubnetIds",
            SG_OUTBOUND_RULES,
            outbound,
            "outbound rules (one per private subnet and server port)",
        )


def _check_cluster(
    settings: StackSettings, servers: Sequence[PlannedServer], stack_file: str
) -> None:
    from stacks.capacity import nodes_needed

    for index, server in enumerate(servers):
        pod_cpu = server.entry.resources.pod_cpu
        if pod_cpu > settings.fleet.cores_per_node:
            raise SettingsError(
                f"{stack_file}: {NAMESPACE}:servers[{index}]: a {server.entry.name!r} replica "
                f"requests {pod_cpu} cores but a node has {settings.fleet.cores_per_node} "
                "(fleet.coresPerNode); no node could run it: use larger nodes"
            )
    nodes = nodes_needed(
        sum(server.capacity.cores_needed for server in servers), settings.fleet.cores_per_node
    )
    if nodes > CLUSTER_NODES.limit:
        raise _refuse(stack_file, "servers", CLUSTER_NODES, nodes, "nodes at peak")
    pods = sum(server.capacity.max_replicas for server in servers)
    if pods > CLUSTER_PODS.limit:
        raise _refuse(stack_file, "servers", CLUSTER_PODS, pods, "pods at peak")


def check_quotas(
    settings: StackSettings, servers: Sequence[PlannedServer], stack_file: str
) -> None:
    """Refuse the first quota or limit the planned stack would exceed."""
    _check_load_balancer(servers, stack_file)
    _check_security_group(settings, servers, stack_file)
    _check_cluster(settings, servers, stack_file)
