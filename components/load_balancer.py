"""LoadBalancer: the one internet-facing ALB in front of every server of a stack.

TLS ends at the ALB with a TLS 1.3 policy; each server gets its own hostname, target group
and listener rule, and a TargetGroupBinding lets the AWS Load Balancer Controller register
the server's pods as IP targets. Together with the pod readiness gate on the namespace and
the pods' preStop pause, a rollout never sends a request to a pod that is not ready or
already draining.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.access_log_bucket import AccessLogBucket, AccessLogBucketArgs
from components.arg_checks import repeated
from components.fleet import McpServer
from components.load_balancer_names import (
    NAME_LIMIT,
    TARGET_PROTOCOL,
    TARGET_TYPE,
    rule_priorities,
    target_group_name,
)
from policy.contract import component_type

HTTPS_PORT = 443
HTTP_PORT = 80
ACCESS_LOG_PREFIX = "alb"
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
class Route:
    """One server behind the load balancer: its hostname, health path and deployed Service."""

    server: str
    hostname: str
    readiness_path: str
    stateful: bool
    """A stateful server keeps sessions in one pod's memory: its clients are pinned to it."""
    tags: Mapping[str, str]
    labels: Mapping[str, str]
    backend: McpServer


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
    """Part of every target group's name, so groups of two stacks in one account never clash."""
    network: LoadBalancerNetwork
    access_logs: AccessLogBucketArgs
    routes: Sequence[Route]
    tags: Mapping[str, str]
    ssl_policy: str
    idle_timeout_seconds: int
    deletion_protection: bool
    drain_seconds: int
    """Seconds a target drains before deregistration ends: the pods' preStop pause."""

    def __post_init__(self) -> None:
        """Everything wrong is refused here, before the ALB or any other resource exists."""
        problems = []
        if len(self.load_balancer_name) > NAME_LIMIT:
            problems.append(
                f"load_balancer_name {self.load_balancer_name!r} is longer than {NAME_LIMIT}"
            )
        names = [route.server for route in self.routes]
        if not names:
            problems.append("no routes: pass one Route per server")
        twice = repeated(names)
        if twice:
            problems.append(f"server(s) {', '.join(twice)} routed twice")
        for cidr in self.network.ingress_cidrs:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                problems.append(f"ingress CIDR {cidr!r} is not a CIDR block like 203.0.113.0/24")
        if problems:
            raise ValueError("LoadBalancer: " + "; ".join(problems))


def _cidr_label(cidr: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", cidr).strip("-")


class LoadBalancer(pulumi.ComponentResource):
    """ALB, its security group, HTTPS and redirect listeners, a route per server, access logs.

    The TargetGroupBindings are Kubernetes objects: they go to the cluster the caller names
    in ``opts.providers``, never to whatever kubeconfig happens to be current.
    """

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
        super().__init__(component_type("load_balancer", "LoadBalancer"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.security_group = self._security_group(name, args)
        access_logs = AccessLogBucket(f"{name}-access-logs", args.access_logs, opts=child)
        self.alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            name=args.load_balancer_name,
            load_balancer_type="application",
            internal=False,
            ip_address_type="ipv4",
            subnets=list(args.network.public_subnet_ids),
            security_groups=[self.security_group.id],
            drop_invalid_header_fields=True,
            # Clients of an API fleet speak plain RFC 7230: refuse anything ambiguous rather
            # than guess, which is where request smuggling lives.
            desync_mitigation_mode="strictest",
            enable_deletion_protection=args.deletion_protection,
            idle_timeout=args.idle_timeout_seconds,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(
                bucket=access_logs.bucket.bucket, prefix=access_logs.prefix, enabled=True
            ),
            tags=dict(args.tags),
            # The ALB checks on creation that it may write its logs: the policy comes first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access_logs.policy]),
        )
        self.https_listener, self.http_listener = self._listeners(name, args)

        priorities = rule_priorities(route.server for route in args.routes)
        self.target_groups = {}
        self.listener_rules = {}
        self.target_group_bindings = {}
        for route in args.routes:
            self._route(name, args, route, priorities[route.server])

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

    def _listeners(
        self, name: str, args: LoadBalancerArgs
    ) -> tuple[aws.lb.Listener, aws.lb.Listener]:
        """HTTPS ends TLS and answers unknown hosts 404; HTTP only redirects to HTTPS."""
        child = pulumi.ResourceOptions(parent=self)
        https = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=self.alb.arn,
            port=HTTPS_PORT,
            protocol="HTTPS",
            ssl_policy=args.ssl_policy,
            certificate_arn=args.network.certificate_arn,
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
            tags=dict(args.tags),
            opts=child,
        )
        http = aws.lb.Listener(
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
            tags=dict(args.tags),
            opts=child,
        )
        return https, http

    def _security_group(self, name: str, args: LoadBalancerArgs) -> aws.ec2.SecurityGroup:
        """In: HTTPS and HTTP from the allowed CIDRs. Out: only the pods' ports in the
        private subnets. Rules are separate resources so each one changes on its own."""
        tags = dict(args.tags)
        group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            description=f"MCP fleet {args.environment} load balancer",
            vpc_id=args.network.vpc_id,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        rule_opts = pulumi.ResourceOptions(parent=self)
        for cidr in args.network.ingress_cidrs:
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
        ports = sorted({route.backend.port for route in args.routes})
        for subnet_id in args.network.private_subnet_ids:
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

    def _route(self, name: str, args: LoadBalancerArgs, route: Route, priority: int) -> None:
        """Target group, host rule and TargetGroupBinding for one server."""
        group = self._target_group(name, args, route)
        rule = aws.lb.ListenerRule(
            f"{name}-{route.server}-rule",
            listener_arn=self.https_listener.arn,
            priority=priority,
            conditions=[
                aws.lb.ListenerRuleConditionArgs(
                    host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=[route.hostname])
                )
            ],
            actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=group.arn)],
            tags=dict(route.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.target_groups[route.server] = group
        self.listener_rules[route.server] = rule
        self.target_group_bindings[route.server] = self._binding(name, route, group)

    def _target_group(self, name: str, args: LoadBalancerArgs, route: Route) -> aws.lb.TargetGroup:
        port = route.backend.port
        return aws.lb.TargetGroup(
            f"{name}-{route.server}",
            name=target_group_name(args.environment, route.server, port, args.network.vpc_id),
            target_type=TARGET_TYPE,
            protocol=TARGET_PROTOCOL,
            port=port,
            vpc_id=args.network.vpc_id,
            # Matches the pods' preStop pause: the ALB stops sending before the pod stops.
            deregistration_delay=args.drain_seconds,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                protocol=TARGET_PROTOCOL,
                port="traffic-port",
                path=route.readiness_path,
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
            if route.stateful
            else None,
            tags=dict(route.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _binding(
        self, name: str, route: Route, group: aws.lb.TargetGroup
    ) -> k8s.apiextensions.CustomResource:
        """Lets the AWS Load Balancer Controller register the server's pods as IP targets."""
        backend = route.backend
        return k8s.apiextensions.CustomResource(
            f"{name}-{route.server}-binding",
            api_version="elbv2.k8s.aws/v1beta1",
            kind="TargetGroupBinding",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=route.server, namespace=backend.namespace, labels=dict(route.labels)
            ),
            spec={
                "targetGroupARN": group.arn,
                "targetType": TARGET_TYPE,
                "serviceRef": {"name": backend.service_name, "port": backend.port},
                # The controller opens the pods' security group to the ALB, on this port only.
                "networking": {
                    "ingress": [
                        {
                            "from": [{"securityGroup": {"groupID": self.security_group.id}}],
                            "ports": [{"protocol": "TCP", "port": backend.port}],
                        }
                    ]
                },
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[backend.service]),
        )
