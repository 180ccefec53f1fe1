"""Service quotas and hard limits the plan can reach, checked before anything is created.

Each ``Quota`` names the limit as AWS or Kubernetes documents it, its default value, where it
is written down, and the way out when a stack reaches it. ``check_quotas`` counts what the
planned stack would create and refuses a plan over any of them with one message. The ALB
forwards to the MCP gateway only: one target group, one listener rule per five of the
gateway's host names, one target per gateway pod at its autoscaler's maximum, whatever the
number of servers; the servers' pods count against the cluster. docs/limits.md lists the same table.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

from stacks.errors import SettingsError
from stacks.fleet_plan import PlannedServer
from stacks.settings import FleetSettings, NetworkSettings, StackSettings

if TYPE_CHECKING:
    from stacks.fleet_plan import Settings

NAMESPACE = "mcp-fleet"
SPLIT = "split the fleet across two stacks (each gets its own load balancer)"
SPLIT_CLUSTER = "split the fleet across two clusters (one stack each, cluster.name differing)"


GATEWAY_MIN_REPLICAS = 2
"""Two gateway replicas in two zones: the gateway is on every request's path."""
GATEWAY_TARGET_GROUPS = 1
"""The gateway's target group: the ALB's only one."""
GATEWAY_PORTS = 2
"""The gateway pods' traffic and health ports: what the ALB's security group reaches."""
HOSTS_PER_RULE = 5
"""Values one ALB host-header condition holds (``components/load_balancer_names.py``)."""


def gateway_replicas(fleet: FleetSettings) -> int:
    """The gateway's minimum replica count (Platform deploys this many)."""
    return max(GATEWAY_MIN_REPLICAS, fleet.min_replicas)


def gateway_peak_replicas(settings: StackSettings, servers: Sequence[PlannedServer]) -> int:
    """The gateway's replicas at peak, the ALB's targets: its autoscaler's maximum, planned
    by ``gateway/capacity.py`` from every server's peak, as ``Platform`` deploys it."""
    from catalog.platform_image import load_platform_entry
    from gateway.capacity import gateway_max_replicas

    plan = cast("Settings", SimpleNamespace(servers=servers, fleet=settings.fleet))
    return gateway_max_replicas(
        plan, gateway_replicas(settings.fleet), load_platform_entry("gateway")
    )


def gateway_hosts(network: NetworkSettings) -> tuple[str, ...]:
    """The host names the ALB forwards to the gateway: its public base URL's host."""
    return (network.domain,)


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
    "lower peakRps (the gateway scales with the fleet's peak), use larger gateway pods (its "
    "catalog entry's podCpu), request a quota increase in Service Quotas (Elastic Load "
    f"Balancing), or {SPLIT}",
)
TARGET_GROUP_TARGETS = Quota(
    "Targets per Target Group per Region (instances or IP addresses)",
    1000,
    "AWS ELB quotas",
    "lower peakRps (the gateway scales with the fleet's peak), use larger gateway pods, or "
    "request a quota increase",
)
HOST_CONDITION_LENGTH = Quota(
    "characters in an ALB host-header condition value",
    128,
    "AWS ELB listener rule conditions",
    "shorten network.domain (the gateway's host name)",
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
    "use fewer private subnets, or request a quota increase",
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


def _check_load_balancer(
    settings: StackSettings, servers: Sequence[PlannedServer], stack_file: str
) -> None:
    """One target group, a rule per five hosts, the gateway's pods as targets."""
    hosts = gateway_hosts(settings.network)
    for host in hosts:
        if len(host) > HOST_CONDITION_LENGTH.limit:
            raise _refuse(
                stack_file,
                "network.domain",
                HOST_CONDITION_LENGTH,
                len(host),
                f"characters for the gateway's host name {host!r}",
            )
    rules = -(-len(hosts) // HOSTS_PER_RULE)
    counts = (
        (ALB_TARGET_GROUPS, GATEWAY_TARGET_GROUPS, "target groups (the gateway's)"),
        (ALB_RULES, rules, "listener rules (one per five gateway host names)"),
    )
    for quota, count, what in counts:
        if count > quota.limit:
            raise _refuse(stack_file, "network.domain", quota, count, what)
    targets = gateway_peak_replicas(settings, servers)
    for quota in (TARGET_GROUP_TARGETS, ALB_TARGETS):
        if targets > quota.limit:
            raise _refuse(
                stack_file, "servers", quota, targets, "targets (gateway replicas at peak)"
            )


def _check_security_group(settings: StackSettings, stack_file: str) -> None:
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
    outbound = len(settings.network.private_subnet_ids) * GATEWAY_PORTS
    if outbound > SG_OUTBOUND_RULES.limit:
        raise _refuse(
            stack_file,
            "network.privateSubnetIds",
            SG_OUTBOUND_RULES,
            outbound,
            "outbound rules (the gateway's two ports per private subnet)",
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
    pods += gateway_peak_replicas(settings, servers)
    if pods > CLUSTER_PODS.limit:
        raise _refuse(stack_file, "servers", CLUSTER_PODS, pods, "pods at peak")


def check_quotas(
    settings: StackSettings, servers: Sequence[PlannedServer], stack_file: str
) -> None:
    """Refuse the first quota or limit the planned stack would exceed."""
    _check_cluster(settings, servers, stack_file)
    _check_load_balancer(settings, servers, stack_file)
    _check_security_group(settings, stack_file)
