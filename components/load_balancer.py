"""LoadBalancer: the one internet-facing ALB in front of every server of a stack.

TLS ends at the ALB with a TLS 1.3 policy; each server gets its own hostname, target group
and listener rule, and a TargetGroupBinding lets the AWS Load Balancer Controller register
the server's pods as IP targets. Together with the pod readiness gate on the namespace and
the pods' preStop pause, a rollout never sends a request to a pod that is not ready or
already draining.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from catalog.entry import SessionMode
from components.access_log_bucket import AccessLogBucket, AccessLogBucketArgs
from components.fleet import McpServer
from components.labels import kubernetes_labels, standard_tags
from stacks.fleet_plan import PlannedServer, Settings

HTTPS_PORT = 443
HTTP_PORT = 80
ACCESS_LOG_PREFIX = "alb"
TARGET_PROTOCOL = "HTTP"
TARGET_TYPE = "ip"
"""Pods are targets themselves (VPC CNI): no NodePort hop, and readiness gates work."""
NAME_LIMIT = 32
"""ELB load balancer and target group names: at most 32 alphanumerics and hyphens."""
HASH_LENGTH = 6
MAX_RULE_PRIORITY = 50_000
STICKY_SESSION_SECONDS = 86_400
"""How long a stateful server's client stays pinned to the pod holding its session."""
HSTS = "max-age=31536000"
NOT_ROUTED = json.dumps({"error": "not_found", "message": "no MCP server is routed at this host"})


@dataclass(frozen=True)
class HealthCheck:
    """Two checks ten seconds apart make a new pod a target (and pass its readiness gate)
    in about 20 s; three failures take a broken one out in about 30 s."""

    interval_seconds: int = 10
    timeout_seconds: int = 5
    healthy_threshold: int = 2
    unhealthy_threshold: int = 3
    matcher: str = "200"


HEALTH_CHECK = HealthCheck()


@dataclass(frozen=True)
class LoadBalancerArgs:
    settings: Settings
    servers: Mapping[str, McpServer]
    """Every server of ``settings.servers`` by name, as the fleet deployed it."""
    kubernetes_provider: k8s.Provider
    """The stack's cluster: TargetGroupBindings must land there and nowhere else."""


def _short_hash(*parts: object) -> str:
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()[:HASH_LENGTH]


def _fit_name(base: str, fingerprint: str) -> str:
    """``base-fingerprint`` within ELB's 32 characters, cutting ``base`` if it must."""
    room = NAME_LIMIT - len(fingerprint) - 1
    return f"{base[:room].rstrip('-')}-{fingerprint}"


def target_group_name(environment: str, server: str, port: int, vpc_id: str) -> str:
    """``mcp-{env}-{server}-{hash}``, readable in consoles and CloudWatch, unique, stable.

    The hash covers what forces a target group to be replaced (port, protocol, target
    type, VPC). A replacement therefore gets a new name, so Pulumi can create the new
    group before deleting the old one, which a listener rule still uses until it switches.
    """
    base = f"mcp-{environment}-{server}"
    fingerprint = _short_hash(base, port, TARGET_PROTOCOL, TARGET_TYPE, vpc_id)
    return _fit_name(base, fingerprint)


def load_balancer_name(settings: Settings) -> str:
    name = f"{settings.project}-{settings.environment.value}"
    return name if len(name) <= NAME_LIMIT else _fit_name(name, _short_hash(name))


def rule_priorities(server_names: Iterable[str]) -> dict[str, int]:
    """A priority per server derived from its name, not from its place in the list.

    Host-header rules never overlap, so their order does not matter; what matters is that
    adding or removing a server leaves every other rule's priority alone (renumbering all
    rules on each change would churn them and risk PriorityInUse during the update).
    """
    taken: set[int] = set()
    priorities: dict[str, int] = {}
    for name in sorted(server_names):
        priority = 1 + int(_short_hash("rule", name), 16) % MAX_RULE_PRIORITY
        while priority in taken:
            priority = priority % MAX_RULE_PRIORITY + 1
        taken.add(priority)
        priorities[name] = priority
    return priorities


def _cidr_label(cidr: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", cidr).strip("-")


class LoadBalancer(pulumi.ComponentResource):
    """ALB, its security group, HTTPS and redirect listeners, a route per server, access logs."""

    arn: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]
    """``app/NAME/ID``: the LoadBalancer dimension of the ALB's CloudWatch metrics."""
    dns_name: pulumi.Output[str]
    zone_id: pulumi.Output[str]
    """For a Route 53 alias record pointing the servers' hostnames at the ALB."""
    security_group: aws.ec2.SecurityGroup
    https_listener: aws.lb.Listener
    target_groups: dict[str, aws.lb.TargetGroup]
    """Server name to target group; ``.arn_suffix`` is the TargetGroup metric dimension."""
    listener_rules: dict[str, aws.lb.ListenerRule]
    target_group_bindings: dict[str, k8s.apiextensions.CustomResource]

    def __init__(
        self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mcp-fleet:load_balancer:LoadBalancer", name, None, opts)
        settings = args.settings
        tags = standard_tags(settings)
        child = pulumi.ResourceOptions(parent=self)

        self.security_group = self._security_group(name, settings)
        access_logs = AccessLogBucket(
            f"{name}-access-logs",
            AccessLogBucketArgs(settings=settings, prefix=ACCESS_LOG_PREFIX),
            opts=child,
        )
        self.alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            name=load_balancer_name(settings),
            load_balancer_type="application",
            internal=False,
            ip_address_type="ipv4",
            subnets=list(settings.network.public_subnet_ids),
            security_groups=[self.security_group.id],
            drop_invalid_header_fields=True,
            # Clients of an API fleet speak plain RFC 7230: refuse anything ambiguous rather
            # than guess, which is where request smuggling lives.
            desync_mitigation_mode="strictest",
            enable_deletion_protection=settings.load_balancer.deletion_protection,
            idle_timeout=settings.load_balancer.idle_timeout_seconds,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(
                bucket=access_logs.bucket.bucket, prefix=access_logs.prefix, enabled=True
            ),
            tags=tags,
            # The ALB checks on creation that it may write its logs: the policy comes first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access_logs.policy]),
        )
        self.https_listener = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=self.alb.arn,
            port=HTTPS_PORT,
            protocol="HTTPS",
            ssl_policy=settings.load_balancer.ssl_policy,
            certificate_arn=settings.network.certificate_arn,
            routing_http_response_strict_transport_security_header_value=HSTS,
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="fixed-response",
                    fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                        content_type="application/json",
                        message_body=NOT_ROUTED,
                        status_code="404",
                    ),
                )
            ],
            tags=tags,
            opts=child,
        )
        self.http_listener = aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=self.alb.arn,
            port=HTTP_PORT,
            protocol="HTTP",
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        protocol="HTTPS", port=str(HTTPS_PORT), status_code="HTTP_301"
                    ),
                )
            ],
            tags=tags,
            opts=child,
        )

        priorities = rule_priorities(server.name for server in settings.servers)
        self.target_groups = {}
        self.listener_rules = {}
        self.target_group_bindings = {}
        for server in settings.servers:
            deployed = args.servers.get(server.name)
            if deployed is None:
                raise ValueError(f"LoadBalancer got no McpServer for server {server.name!r}")
            self._route(name, args, server, deployed, priorities[server.name])

        self.arn = self.alb.arn
        self.arn_suffix = self.alb.arn_suffix
        self.dns_name = self.alb.dns_name
        self.zone_id = self.alb.zone_id
        self.register_outputs(
            {
                "arn": self.arn,
                "arn_suffix": self.arn_suffix,
                "dns_name": self.dns_name,
                "zone_id": self.zone_id,
                "security_group_id": self.security_group.id,
                "https_listener_arn": self.https_listener.arn,
                "access_log_bucket": access_logs.bucket.bucket,
                "target_groups": {
                    server: {"arn": group.arn, "arn_suffix": group.arn_suffix}
                    for server, group in self.target_groups.items()
                },
            }
        )

    def _security_group(self, name: str, settings: Settings) -> aws.ec2.SecurityGroup:
        """In: HTTPS and HTTP from the allowed CIDRs. Out: only the pods' ports in the
        private subnets. Rules are separate resources so each one changes on its own."""
        tags = standard_tags(settings)
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            description=f"MCP fleet {settings.environment.value} load balancer",
            vpc_id=settings.network.vpc_id,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        rule_opts = pulumi.ResourceOptions(parent=self)
        for cidr in settings.network.ingress_cidrs:
            ipv6 = ipaddress.ip_network(cidr, strict=False).version == 6
            for port, purpose in (
                (HTTPS_PORT, f"HTTPS from {cidr}"),
                (HTTP_PORT, f"HTTP from {cidr}, redirected to HTTPS"),
            ):
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-sg-in-{port}-{_cidr_label(cidr)}",
                    security_group_id=group.id,
                    ip_protocol="tcp",
                    from_port=port,
                    to_port=port,
                    cidr_ipv4=None if ipv6 else cidr,
                    cidr_ipv6=cidr if ipv6 else None,
                    description=purpose,
                    tags=tags,
                    opts=rule_opts,
                )
        ports = sorted({server.entry.port for server in settings.servers})
        for subnet_id in settings.network.private_subnet_ids:
            subnet = aws.ec2.get_subnet_output(
                id=subnet_id, opts=pulumi.InvokeOutputOptions(parent=self)
            )
            for port in ports:
                aws.vpc.SecurityGroupEgressRule(
                    f"{name}-sg-out-{port}-{subnet_id}",
                    security_group_id=group.id,
                    ip_protocol="tcp",
                    from_port=port,
                    to_port=port,
                    cidr_ipv4=subnet.cidr_block,
                    description=f"MCP server pods on port {port} in {subnet_id}",
                    tags=tags,
                    opts=rule_opts,
                )
        return group

    def _route(
        self,
        name: str,
        args: LoadBalancerArgs,
        server: PlannedServer,
        deployed: McpServer,
        priority: int,
    ) -> None:
        """Target group, host rule and TargetGroupBinding for one server."""
        settings = args.settings
        tags = standard_tags(settings, server)
        stateful = server.entry.session_mode is SessionMode.STATEFUL
        group = aws.lb.TargetGroup(
            f"{name}-{server.name}",
            name=target_group_name(
                settings.environment.value,
                server.name,
                server.entry.port,
                settings.network.vpc_id,
            ),
            target_type=TARGET_TYPE,
            protocol=TARGET_PROTOCOL,
            port=server.entry.port,
            vpc_id=settings.network.vpc_id,
            # Matches the pods' preStop pause: the ALB stops sending before the pod stops.
            deregistration_delay=settings.fleet.drain_seconds,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                protocol=TARGET_PROTOCOL,
                port="traffic-port",
                path=server.entry.health.readiness,
                matcher=HEALTH_CHECK.matcher,
                interval=HEALTH_CHECK.interval_seconds,
                timeout=HEALTH_CHECK.timeout_seconds,
                healthy_threshold=HEALTH_CHECK.healthy_threshold,
                unhealthy_threshold=HEALTH_CHECK.unhealthy_threshold,
            ),
            # A stateful server keeps a session in one pod's memory: pin the client to it.
            stickiness=aws.lb.TargetGroupStickinessArgs(
                type="lb_cookie", enabled=True, cookie_duration=STICKY_SESSION_SECONDS
            )
            if stateful
            else None,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        rule = aws.lb.ListenerRule(
            f"{name}-{server.name}-rule",
            listener_arn=self.https_listener.arn,
            priority=priority,
            conditions=[
                aws.lb.ListenerRuleConditionArgs(
                    host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=[server.hostname])
                )
            ],
            actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=group.arn)],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        binding = k8s.apiextensions.CustomResource(
            f"{name}-{server.name}-binding",
            api_version="elbv2.k8s.aws/v1beta1",
            kind="TargetGroupBinding",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=server.name,
                namespace=deployed.namespace,
                labels=kubernetes_labels(settings, server),
            ),
            spec={
                "targetGroupARN": group.arn,
                "targetType": TARGET_TYPE,
                "serviceRef": {"name": deployed.service_name, "port": deployed.port},
                # The controller opens the pods' security group to the ALB, on this port only.
                "networking": {
                    "ingress": [
                        {
                            "from": [{"securityGroup": {"groupID": self.security_group.id}}],
                            "ports": [{"protocol": "TCP", "port": deployed.port}],
                        }
                    ]
                },
            },
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=args.kubernetes_provider,
                depends_on=[deployed.service],
            ),
        )
        self.target_groups[server.name] = group
        self.listener_rules[server.name] = rule
        self.target_group_bindings[server.name] = binding
