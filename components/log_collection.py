"""FleetLogs: the fleet's container logs in CloudWatch, encrypted, kept as long as the stack says,
and read into per-server metrics.

The collector is the Amazon CloudWatch Observability EKS add-on (CloudWatch agent for
Container Insights metrics, Fluent Bit for container logs) rather than a Fluent Bit this
program configures itself: AWS maintains its configuration, it publishes the Container
Insights saturation metrics the alarms need, and it is one resource to upgrade. Its Fluent
Bit writes every container's stdout to ``/aws/containerinsights/<cluster>/application`` and
creates that log group if it is missing, with no retention and no customer key. This
component therefore creates the log groups first, under exactly those names, so retention and
encryption are the program's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.encryption_key import encryption_key
from components.gateway_metrics import (
    DEFAULT_GATEWAY_NAMESPACE,
    GATEWAY_METRICS,
    GatewayMetric,
    metric_namespace,
)
from components.irsa import irsa_trust_policy
from components.kms_key_policy import key_policy
from components.log_metrics import LOG_METRICS, NAMESPACE, LogMetric
from components.log_route_policy import routed_groups_policy
from components.log_routing import LogRoute, container_logs
from policy.contract import component_type
from stacks.settings import LOG_RETENTION_DAYS

ADDON_NAME = "amazon-cloudwatch-observability"
AGENT_NAMESPACE = "amazon-cloudwatch"
AGENT_SERVICE_ACCOUNT = "cloudwatch-agent"
"""The add-on's agent and Fluent Bit pods both run as this service account."""
AGENT_POLICY = "CloudWatchAgentServerPolicy"
ROUTED_GROUPS_POLICY = "routed-log-groups"
"""The agent role's inline policy: exactly the routed groups (``components/log_route_policy``)."""

CONTAINER_INSIGHTS_LOG_GROUPS = ("application", "dataplane", "host", "performance")
"""The groups the add-on writes to; ``application`` holds the servers' own lines."""

ADDON_CONFIGURATION = {
    "agent": {
        "config": {
            "logs": {"metrics_collected": {"kubernetes": {"enhanced_container_insights": True}}}
        }
    },
    "containerLogs": {"enabled": True},
}
"""Container Insights with enhanced observability and container logs; Application Signals
(auto-instrumentation of workloads) stays off: the servers' own logs are the contract.
``containerLogs`` also routes namespaces' lines to their own groups (``FleetLogsArgs.routes``)."""


def log_group_name(cluster: str, kind: str = "application") -> str:
    return f"/aws/containerinsights/{cluster}/{kind}"


@dataclass(frozen=True)
class GatewayLogs:
    """Where the gateway's access-log lines come from and which metric namespace they feed."""

    environment: str
    """Named in the metric namespace: McpFleet/Gateway/<environment>."""
    namespace: str = DEFAULT_GATEWAY_NAMESPACE
    """The gateway's Kubernetes namespace: its lines carry it as kubernetes.namespace_name."""


@dataclass(frozen=True)
class FleetLogsArgs:
    name_prefix: str
    """Metric filter names and the key alias start with it, like ``mcp-fleet-prod``."""
    title: str
    """Human-readable prefix of descriptions, like ``mcp-fleet prod``."""
    cluster_name: str
    oidc_provider_arn: str
    """The cluster's IAM OIDC provider: the add-on's agent assumes its role through it."""
    region: str
    retention_days: int
    key_deletion_window_days: int
    tags: Mapping[str, str]
    gateway: GatewayLogs | None = None
    """The gateway's metric filters; none when the stack has no gateway to measure."""
    routes: Sequence[LogRoute] = ()
    """Namespaces whose lines also go to a group of their own: the gateway's to the audit
    group (for the sealer), each tenant's to its tenant group (``components/log_routing.py``)."""

    def __post_init__(self) -> None:
        if self.retention_days not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"FleetLogs: CloudWatch Logs cannot keep logs for {self.retention_days} days; "
                f"use one of {', '.join(str(days) for days in LOG_RETENTION_DAYS)}"
            )


class FleetLogs(pulumi.ComponentResource):
    """KMS key, Container Insights log groups, the collecting add-on and the metric filters."""

    application_log_group: aws.cloudwatch.LogGroup
    metric_filters: dict[str, aws.cloudwatch.LogMetricFilter]

    def __init__(
        self, name: str, args: FleetLogsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("observability", "FleetLogs"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))

        self.key = encryption_key(
            name,
            description=f"{args.title}: encrypts the fleet's container logs",
            alias=f"alias/{args.name_prefix}-logs",
            deletion_window_days=args.key_deletion_window_days,
            policy=self._key_policy(args, identity.account_id, partition.partition),
            tags=args.tags,
            key_opts=child,
            alias_opts=child,
        )
        self.log_groups = {
            kind: aws.cloudwatch.LogGroup(
                f"{name}-{kind}",
                name=log_group_name(args.cluster_name, kind),
                retention_in_days=args.retention_days,
                kms_key_id=self.key.arn,
                tags=dict(args.tags),
                opts=child,
            )
            for kind in CONTAINER_INSIGHTS_LOG_GROUPS
        }
        self.application_log_group = self.log_groups["application"]
        self.agent_role, self.addon = self._collector(
            name, args, identity.account_id, partition.partition
        )
        self.metric_filters = {
            metric.key: self._metric_filter(name, args, metric) for metric in LOG_METRICS
        }
        if args.gateway is not None:
            for gateway_metric in GATEWAY_METRICS:
                self.metric_filters[gateway_metric.key] = self._gateway_filter(
                    name, args, args.gateway, gateway_metric
                )
        self.register_outputs(
            {
                "application_log_group": self.application_log_group.name,
                "log_groups": {kind: group.name for kind, group in self.log_groups.items()},
                "key_arn": self.key.arn,
                "agent_role_arn": self.agent_role.arn,
                "metric_filters": {key: f.name for key, f in self.metric_filters.items()},
            }
        )

    def _collector(
        self,
        name: str,
        args: FleetLogsArgs,
        account: pulumi.Output[str],
        partition: pulumi.Output[str],
    ) -> tuple[aws.iam.Role, aws.eks.Addon]:
        """The add-on and its IRSA role; it starts only once the log groups exist."""
        cluster = args.cluster_name
        role = aws.iam.Role(
            f"{name}-agent-role",
            description=f"{ADDON_NAME} in {cluster}: publishes Container Insights metrics and logs",
            assume_role_policy=irsa_trust_policy(
                args.oidc_provider_arn, AGENT_NAMESPACE, AGENT_SERVICE_ACCOUNT
            ),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        agent_policy = aws.iam.RolePolicyAttachment(
            f"{name}-agent-policy",
            role=role.name,
            policy_arn=pulumi.Output.concat("arn:", partition, ":iam::aws:policy/", AGENT_POLICY),
            opts=pulumi.ResourceOptions(parent=role),
        )
        grants: list[pulumi.Resource] = [agent_policy]
        if args.routes:
            grants.append(self._routed_groups_grant(name, args, role, account, partition))
        addon = aws.eks.Addon(
            f"{name}-addon",
            cluster_name=cluster,
            addon_name=ADDON_NAME,
            service_account_role_arn=role.arn,
            configuration_values=json.dumps(
                ADDON_CONFIGURATION | {"containerLogs": container_logs(args.routes)},
                sort_keys=True,
            ),
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(
                parent=self,
                # The agent must find the program's log groups, not create its own.
                depends_on=[*self.log_groups.values(), *grants],
            ),
        )
        return role, addon

    @staticmethod
    def _routed_groups_grant(
        name: str,
        args: FleetLogsArgs,
        role: aws.iam.Role,
        account: pulumi.Output[str],
        partition: pulumi.Output[str],
    ) -> aws.iam.RolePolicy:
        """The agent writes to exactly the routed groups (``components/log_route_policy.py``)."""
        document = pulumi.Output.all(account, partition).apply(
            lambda known: json.dumps(
                routed_groups_policy(
                    args.routes, args.cluster_name, args.region, known[0], known[1]
                ),
                sort_keys=True,
            )
        )
        return aws.iam.RolePolicy(
            f"{name}-agent-routed-groups",
            name=ROUTED_GROUPS_POLICY,
            role=role.id,
            policy=document,
            opts=pulumi.ResourceOptions(parent=role),
        )

    def _metric_filter(
        self, name: str, args: FleetLogsArgs, metric: LogMetric
    ) -> aws.cloudwatch.LogMetricFilter:
        return aws.cloudwatch.LogMetricFilter(
            f"{name}-{metric.key}",
            name=f"{args.name_prefix}-{metric.key}",
            log_group_name=self.application_log_group.name,
            pattern=metric.pattern,
            metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                name=metric.metric_name,
                namespace=NAMESPACE,
                value=metric.value,
                unit=metric.unit,
                dimensions=metric.dimensions,
            ),
            opts=pulumi.ResourceOptions(parent=self.application_log_group),
        )

    def _gateway_filter(
        self, name: str, args: FleetLogsArgs, gateway: GatewayLogs, metric: GatewayMetric
    ) -> aws.cloudwatch.LogMetricFilter:
        """The gateway's lines land in the same application group, told apart by namespace."""
        return aws.cloudwatch.LogMetricFilter(
            f"{name}-{metric.key}",
            name=f"{args.name_prefix}-{metric.key}",
            log_group_name=self.application_log_group.name,
            pattern=metric.pattern(gateway.namespace),
            metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                name=metric.metric_name,
                namespace=metric_namespace(gateway.environment),
                value=metric.value,
                unit=metric.unit,
                dimensions=metric.dimensions,
            ),
            opts=pulumi.ResourceOptions(parent=self.application_log_group),
        )

    @staticmethod
    def _key_policy(
        args: FleetLogsArgs, account: pulumi.Output[str], partition: pulumi.Output[str]
    ) -> pulumi.Output[str]:
        """CloudWatch Logs may use the key only for this cluster's Container Insights groups."""
        region = args.region
        groups = pulumi.Output.concat(
            "arn:", partition, ":logs:", region, ":", account,
            ":log-group:/aws/containerinsights/", args.cluster_name, "/*",
        )  # fmt: skip
        return key_policy(
            account,
            partition,
            [
                {
                    "Sid": "CloudWatchLogsEncryptsContainerInsights",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                    "Action": [
                        "kms:Encrypt*",
                        "kms:Decrypt*",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:Describe*",
                    ],
                    "Resource": "*",
                    "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": groups}},
                },
            ],
        )
