"""What the LoadBalancer is given: the gateway it forwards to, the hosts it serves, the network.

The ALB knows nothing about servers any more: every request goes to the MCP gateway, which
authenticates, authorizes and routes by path (``gateway/frontend.py``). Everything wrong is
refused here, before the ALB or any other resource exists.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi

from components.access_log_bucket import AccessLogBucketArgs
from components.arg_checks import repeated
from components.load_balancer_names import HOST_VALUE_LIMIT, NAME_LIMIT

LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
HOST_NAME = re.compile(rf"^{LABEL}(\.{LABEL})*$")
"""A DNS name as a client sends it in Host (lower case; the ALB compares case-insensitively)."""


@dataclass(frozen=True)
class GatewayTarget:
    """The gateway's Service: the one backend of the ALB, registered by a TargetGroupBinding."""

    namespace: pulumi.Input[str]
    service_name: pulumi.Input[str]
    port: int
    """The Service port (and container port) of the gateway's MCP listener."""
    health_port: int
    """The gateway's health listener; the ALB checks it directly on each pod (IP targets)."""
    health_path: str
    """Answered 200 by the gateway while it is up (HAProxy ``monitor-uri``)."""
    labels: Mapping[str, str]
    """The gateway's Kubernetes labels, put on its TargetGroupBinding."""
    service: pulumi.Resource | None = None
    """The Service object: the binding is created only once it exists."""


@dataclass(frozen=True)
class LoadBalancerNetwork:
    vpc_id: str
    public_subnet_ids: Sequence[str]
    private_subnet_ids: Sequence[str]
    ingress_cidrs: Sequence[str]
    certificate_arn: str


@dataclass(frozen=True)
class LoadBalancerArgs:
    load_balancer_name: str
    """The ALB's name, at most 32 characters: see ``load_balancer_name``."""
    environment: str
    """Part of the target group's name, so groups of two stacks in one account never clash."""
    network: LoadBalancerNetwork
    access_logs: AccessLogBucketArgs
    gateway: GatewayTarget
    hosts: Sequence[str]
    """The host names the gateway serves (its public base URL's host); any other gets 404."""
    tags: Mapping[str, str]
    ssl_policy: str
    idle_timeout_seconds: int
    deletion_protection: bool
    drain_seconds: int
    """Seconds a target drains before deregistration ends: the gateway pods' preStop pause."""

    def __post_init__(self) -> None:
        problems = [
            *self._name_problems(),
            *self._host_problems(),
            *self._network_problems(),
            *self._gateway_problems(),
        ]
        if problems:
            raise ValueError("LoadBalancer: " + "; ".join(problems))

    def _name_problems(self) -> list[str]:
        if len(self.load_balancer_name) > NAME_LIMIT:
            return [f"load_balancer_name {self.load_balancer_name!r} is longer than {NAME_LIMIT}"]
        return []

    def _host_problems(self) -> list[str]:
        if not self.hosts:
            return ["no hosts: pass the gateway's public host name (network.domain)"]
        problems = [f"host {h!r} is listed twice" for h in repeated(list(self.hosts))]
        for host in self.hosts:
            if len(host) > HOST_VALUE_LIMIT:
                problems.append(f"host {host!r} is longer than {HOST_VALUE_LIMIT} characters")
            elif not HOST_NAME.match(host):
                problems.append(f"host {host!r} is not a lower-case DNS name like mcp.example.com")
        return problems

    def _network_problems(self) -> list[str]:
        problems = []
        for cidr in self.network.ingress_cidrs:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                problems.append(f"ingress CIDR {cidr!r} is not a CIDR block like 203.0.113.0/24")
        return problems

    def _gateway_problems(self) -> list[str]:
        gateway = self.gateway
        problems = [
            f"gateway {what} {port} is not a TCP port (1-65535)"
            for what, port in (("port", gateway.port), ("health_port", gateway.health_port))
            if not 1 <= port <= 65_535
        ]
        if not gateway.health_path.startswith("/"):
            problems.append(f"gateway health_path {gateway.health_path!r} does not start with /")
        return problems
