"""LoadBalancer: the one internet-facing ALB of a stack, forwarding only to the MCP gateway.

TLS ends at the ALB with a TLS 1.3 policy (HSTS on every answer); behind it there is one
target group, the gateway's pods as IP targets, registered by one TargetGroupBinding on the
gateway's Service. Servers are never targets: a request reaches a server only through the
gateway, which authenticates, authorizes, limits and routes by path (``gateway/frontend.py``)
and pins sessions by ``Mcp-Session-Id`` (so no cookie stickiness here). The resources are a
constant handful whatever the fleet's size, far below the ALB's 100 target groups and 100
rules, which one group and one rule per server used to reach.

Unknown hosts: the HTTPS listener's default action answers 404 itself, and host-header rules
(five names per condition, the ALB's limit) forward the gateway's own host names to it. The
alternative, a default action forwarding everything, was weighed and not taken: a token's
audience is bound to ``https://<host>/<server>/mcp``, so a request to any other name (the
ALB's raw DNS name, a scanner's IP, a stale per-server host) can never be served; answering it
at the ALB keeps that traffic out of the gateway's capacity, logs and denial metrics, for the
price of one rule per five hosts, a number that does not grow with the fleet.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.access_log_bucket import AccessLogBucket
from components.load_balancer_args import GatewayTarget, LoadBalancerArgs, LoadBalancerNetwork
from components.load_balancer_names import (
    FIRST_RULE_PRIORITY,
    TARGET_PROTOCOL,
    TARGET_TYPE,
    host_rule_groups,
    target_group_name,
)
from policy.contract import component_type

HTTPS_PORT = 443
HTTP_PORT = 80
ACCESS_LOG_PREFIX = "alb"
HSTS = "max-age=31536000"
NOT_ROUTED = json.dumps({"error": "not_found", "message": "no MCP gateway is served at this host"})
GATEWAY = "gateway"
"""The target group's and the binding's name part: the one backend of the ALB."""


@dataclass(frozen=True)
class HealthCheck:
    """Two checks ten seconds apart make a new gateway pod a target (and pass its readiness
    gate) in about 20 s; three failures take a broken one out in about 30 s."""

    interval_seconds: int = 10
    timeout_seconds: int = 5
    healthy_threshold: int = 2
    unhealthy_threshold: int = 3
    matcher: str = "200"


HEALTH_CHECK = HealthCheck()


def _cidr_label(cidr: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", cidr).strip("-")


class LoadBalancer(pulumi.ComponentResource):
    """ALB, its security group, HTTPS and redirect listeners, the gateway's target group,
    host rules, the TargetGroupBinding, access logs.

    The TargetGroupBinding is a Kubernetes object: it goes to the cluster the caller names
    in ``opts.providers``, never to whatever kubeconfig happens to be current.
    """

    arn: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]
    """``app/NAME/ID``: the LoadBalancer dimension of the ALB's CloudWatch metrics."""
    dns_name: pulumi.Output[str]
    zone_id: pulumi.Output[str]
    """For a Route 53 alias record pointing the gateway's host names at the ALB."""
    security_group: aws.ec2.SecurityGroup
    https_listener: aws.lb.Listener
    http_listener: aws.lb.Listener
    gateway_target_group: aws.lb.TargetGroup
    """``.arn_suffix`` is the TargetGroup dimension of the gateway's ALB metrics."""
    host_rules: list[aws.lb.ListenerRule]
    target_group_binding: k8s.apiextensions.CustomResource

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
        self.gateway_target_group = self._target_group(name, args)
        self.host_rules = self._host_rules(name, args)
        self.target_group_binding = self._binding(name, args.gateway)

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
                "gateway_target_group": {
                    "arn": self.gateway_target_group.arn,
                    "arn_suffix": self.gateway_target_group.arn_suffix,
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
        """In: HTTPS and HTTP from the allowed CIDRs. Out: only the gateway pods' traffic and
        health ports in the private subnets. Rules are separate resources so each one
        changes on its own."""
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
        gateway = args.gateway
        purposes = {gateway.port: "MCP traffic", gateway.health_port: "health checks"}
        for subnet_id in args.network.private_subnet_ids:
            subnet = aws.ec2.get_subnet_output(
                id=subnet_id, opts=pulumi.InvokeOutputOptions(parent=self)
            )
            for port, purpose in sorted(purposes.items()):
                aws.vpc.SecurityGroupEgressRule(
                    f"{name}-sg-out-{port}-{subnet_id}",
                    security_group_id=group.id,
                    ip_protocol="tcp",
                    from_port=port,
                    to_port=port,
                    cidr_ipv4=subnet.cidr_block,
                    description=f"MCP gateway pods, {purpose}, port {port} in {subnet_id}",
                    tags=tags,
                    opts=rule_opts,
                )
        return group

    def _target_group(self, name: str, args: LoadBalancerArgs) -> aws.lb.TargetGroup:
        """The gateway's pods as IP targets, checked on the gateway's health listener."""
        gateway = args.gateway
        return aws.lb.TargetGroup(
            f"{name}-{GATEWAY}",
            name=target_group_name(args.environment, GATEWAY, gateway.port, args.network.vpc_id),
            target_type=TARGET_TYPE,
            protocol=TARGET_PROTOCOL,
            port=gateway.port,
            vpc_id=args.network.vpc_id,
            # Matches the gateway pods' preStop pause: the ALB stops sending before they stop.
            deregistration_delay=args.drain_seconds,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                protocol=TARGET_PROTOCOL,
                port=str(gateway.health_port),
                path=gateway.health_path,
                matcher=HEALTH_CHECK.matcher,
                interval=HEALTH_CHECK.interval_seconds,
                timeout=HEALTH_CHECK.timeout_seconds,
                healthy_threshold=HEALTH_CHECK.healthy_threshold,
                unhealthy_threshold=HEALTH_CHECK.unhealthy_threshold,
            ),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _host_rules(self, name: str, args: LoadBalancerArgs) -> list[aws.lb.ListenerRule]:
        """One rule per five of the gateway's host names, forwarding to the gateway."""
        return [
            aws.lb.ListenerRule(
                f"{name}-{GATEWAY}-hosts-{index + 1}",
                listener_arn=self.https_listener.arn,
                priority=FIRST_RULE_PRIORITY + index,
                conditions=[
                    aws.lb.ListenerRuleConditionArgs(
                        host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=list(hosts))
                    )
                ],
                actions=[
                    aws.lb.ListenerRuleActionArgs(
                        type="forward", target_group_arn=self.gateway_target_group.arn
                    )
                ],
                tags=dict(args.tags),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for index, hosts in enumerate(host_rule_groups(args.hosts))
        ]

    def _binding(self, name: str, gateway: GatewayTarget) -> k8s.apiextensions.CustomResource:
        """Lets the AWS Load Balancer Controller register the gateway's pods as IP targets."""
        return k8s.apiextensions.CustomResource(
            f"{name}-{GATEWAY}-binding",
            api_version="elbv2.k8s.aws/v1beta1",
            kind="TargetGroupBinding",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=gateway.service_name, namespace=gateway.namespace, labels=dict(gateway.labels)
            ),
            spec={
                "targetGroupARN": self.gateway_target_group.arn,
                "targetType": TARGET_TYPE,
                "serviceRef": {"name": gateway.service_name, "port": gateway.port},
                # The controller opens the pods' security group to the ALB: traffic and
                # health-check ports only.
                "networking": {
                    "ingress": [
                        {
                            "from": [{"securityGroup": {"groupID": self.security_group.id}}],
                            "ports": [
                                {"protocol": "TCP", "port": port}
                                for port in (gateway.port, gateway.health_port)
                            ],
                        }
                    ]
                },
            },
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[gateway.service] if gateway.service else None
            ),
        )


__all__ = [
    "GatewayTarget",
    "HealthCheck",
    "LoadBalancer",
    "LoadBalancerArgs",
    "LoadBalancerNetwork",
]
