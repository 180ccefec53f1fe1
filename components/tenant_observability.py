"""What a tenant sees and is told: its log group, its alert topic, budget, quota alarm, dashboard.

A tenant's alarms go to the tenant, not to the platform pager: its own SNS topic (encrypted
with its own key) reaching its owner, fed by the AWS Budgets budget on its cost (the tenant
tag ``mcp-fleet.io/tenant``, activated as a cost allocation tag) and by an alarm on its
namespace's pod count nearing the quota. The platform's own alarms stay on the platform
topics (``components/paging.py``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.dashboards import ServerPanel
from components.paging import topic_policy
from components.tenant_dashboard import TenantView, build_tenant_dashboards
from policy.contract import ALARM_KIND, ALARM_SEVERITY, TENANT, component_type
from stacks.operations_settings import LOG_RETENTION_DAYS

ALARM_TENANT_QUOTA = "tenant-quota"
"""The alarm kind of a tenant's quota alarm (to move into ``policy.contract`` when wired)."""
BUDGET_ALERTS = (("ACTUAL", 80.0), ("FORECASTED", 100.0))
"""Told when 80 % is spent, and when the month is forecast to exceed the budget."""


def cost_filter_value(tenant: str) -> str:
    """Budgets' ``TagKeyValue`` filter: ``user:<key>$<value>`` for a user-defined tag."""
    return f"user:{TENANT}${tenant}"


@dataclass(frozen=True)
class PanelInputs:
    """A server of the tenant as its dashboard shows it, measured at the gateway."""

    name: str
    tier: str
    success_rate: float
    p95_latency_ms: int
    tools: tuple[str, ...] = ()
    """The catalog's approved tools: the gateway's per-tool series."""
    remote: bool = False
    """Hosted elsewhere: only the gateway's row (its SLO fields hold its SLA)."""


@dataclass(frozen=True)
class TenantObservabilityArgs:
    tenant: str
    name_prefix: str
    """Topic, budget, alarm and dashboard names start with it, like ``mcp-fleet-prod``."""
    project: str
    stack: str
    environment: str
    region: str
    cluster: str
    namespace: str
    owner_email: str
    key_arn: pulumi.Input[str]
    """The tenant's own key (``components.tenant_key``): its log group and topic use it."""
    log_group_name: str
    log_retention_days: int
    monthly_budget_usd: float
    quota_pods: int
    tags: Mapping[str, str]
    servers: Sequence[PanelInputs] = ()
    quota_alarm_percent: int = 90
    saturation_percent: int = 90

    def problems(self) -> list[str]:
        found = []
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            found.append(f"log_retention_days {self.log_retention_days} is not a CloudWatch value")
        if not self.monthly_budget_usd > 0:
            found.append(f"monthly_budget_usd {self.monthly_budget_usd} must be above 0")
        if self.quota_pods < 1 or not 1 <= self.quota_alarm_percent <= 100:
            found.append("quota_pods must be >= 1 and quota_alarm_percent 1-100")
        if self.tags.get(TENANT) != self.tenant:
            found.append(f"tags name tenant {self.tags.get(TENANT)!r}, not {self.tenant!r}")
        return found

    @property
    def quota_alarm_threshold(self) -> int:
        """Pods at which the tenant hears about its quota: 90 % of 60 is 54."""
        return max(1, math.ceil(self.quota_pods * self.quota_alarm_percent / 100))


class TenantObservability(pulumi.ComponentResource):
    """Log group, alert topic (+policy, owner subscription), budget, quota alarm, dashboards."""

    log_group: aws.cloudwatch.LogGroup
    topic: aws.sns.Topic
    budget: aws.budgets.Budget
    quota_alarm: aws.cloudwatch.MetricAlarm
    dashboards: list[aws.cloudwatch.Dashboard]

    def __init__(
        self, name: str, args: TenantObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = args.problems()
        if problems:
            raise ValueError(f"TenantObservability {args.tenant}: " + "; ".join(problems))
        super().__init__(component_type("tenancy", "TenantObservability"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition
        tags = dict(args.tags)
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.log_group_name,
            retention_in_days=args.log_retention_days,
            kms_key_id=args.key_arn,
            tags=tags,
            opts=child,
        )
        self.topic = self._alert_topic(name, args, account, partition)
        self.budget = aws.budgets.Budget(
            f"{name}-budget",
            name=f"{args.name_prefix}-{args.tenant}",
            budget_type="COST",
            limit_amount=f"{args.monthly_budget_usd:.2f}",
            limit_unit="USD",
            time_unit="MONTHLY",
            cost_filters=[
                aws.budgets.BudgetCostFilterArgs(
                    name="TagKeyValue", values=[cost_filter_value(args.tenant)]
                )
            ],
            notifications=[
                aws.budgets.BudgetNotificationArgs(
                    comparison_operator="GREATER_THAN",
                    notification_type=kind,
                    threshold=percent,
                    threshold_type="PERCENTAGE",
                    subscriber_email_addresses=[args.owner_email],
                    subscriber_sns_topic_arns=[self.topic.arn],
                )
                for kind, percent in BUDGET_ALERTS
            ],
            tags=tags,
            opts=child,
        )
        self.quota_alarm = self._quota_alarm(name, args, tags)
        self.dashboards = self._dashboards(name, args)
        self.register_outputs(
            {
                "log_group": self.log_group.name,
                "topic_arn": self.topic.arn,
                "budget": self.budget.name,
                "quota_alarm_arn": self.quota_alarm.arn,
                "dashboards": [d.dashboard_name for d in self.dashboards],
            }
        )

    def _alert_topic(
        self,
        name: str,
        args: TenantObservabilityArgs,
        account: pulumi.Output[str],
        partition: pulumi.Output[str],
    ) -> aws.sns.Topic:
        topic = aws.sns.Topic(
            f"{name}-alerts",
            name=f"{args.name_prefix}-{args.tenant}-alerts",
            display_name=f"{args.name_prefix} tenant {args.tenant}",
            kms_master_key_id=args.key_arn,
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        base = topic_policy(topic.arn, args.region, account, partition)
        policy = pulumi.Output.all(base, topic.arn, account, partition).apply(
            lambda known: _with_budgets_publishing(known[0], known[1], known[2], known[3])
        )
        aws.sns.TopicPolicy(
            f"{name}-alerts-policy",
            arn=topic.arn,
            policy=policy,
            opts=pulumi.ResourceOptions(parent=topic),
        )
        digest = hashlib.sha256(args.owner_email.encode()).hexdigest()[:8]
        aws.sns.TopicSubscription(
            f"{name}-alerts-email-{digest}",
            topic=topic.arn,
            protocol="email",
            endpoint=args.owner_email,
            opts=pulumi.ResourceOptions(parent=topic),
        )
        return topic

    def _quota_alarm(
        self, name: str, args: TenantObservabilityArgs, tags: dict[str, str]
    ) -> aws.cloudwatch.MetricAlarm:
        return aws.cloudwatch.MetricAlarm(
            f"{name}-pods-quota",
            name=f"{args.name_prefix}-{args.tenant}-pods-quota",
            alarm_description=(
                f"Tenant {args.tenant} runs {args.quota_alarm_threshold} or more of its "
                f"{args.quota_pods} quota pods in {args.namespace}; at the quota new pods stay "
                "Pending. Raise the tenant's quota or lower its servers' maxReplicas."
            ),
            namespace="ContainerInsights",
            metric_name="namespace_number_of_running_pods",
            dimensions={"ClusterName": args.cluster, "Namespace": args.namespace},
            statistic="Maximum",
            period=300,
            evaluation_periods=3,
            threshold=args.quota_alarm_threshold,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
            tags={**tags, ALARM_KIND: ALARM_TENANT_QUOTA, ALARM_SEVERITY: "ticket"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _dashboards(
        self, name: str, args: TenantObservabilityArgs
    ) -> list[aws.cloudwatch.Dashboard]:
        """Page count without the alarm's ARN (it depends on counts only), bodies with it."""
        panels = [_panel(args, s) for s in args.servers]
        names = list(build_tenant_dashboards(_view(args, [], panels)))
        resolved: pulumi.Output[dict[str, dict[str, Any]]] = self.quota_alarm.arn.apply(
            lambda arn: build_tenant_dashboards(_view(args, [arn], panels))
        )
        return [
            aws.cloudwatch.Dashboard(
                f"{name}-dashboard" if len(names) == 1 else f"{name}-dashboard-{index}",
                dashboard_name=dashboard,
                dashboard_body=resolved.apply(functools.partial(_body, dashboard)),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for index, dashboard in enumerate(names, start=1)
        ]


def _body(dashboard: str, bodies: dict[str, dict[str, Any]]) -> str:
    return json.dumps(bodies[dashboard])


def _panel(args: TenantObservabilityArgs, server: PanelInputs) -> ServerPanel:
    return ServerPanel(
        name=server.name,
        tenant=args.tenant,
        namespace=args.namespace,
        tier=server.tier,
        success_rate=server.success_rate,
        p95_latency_ms=server.p95_latency_ms,
        tools=server.tools,
        remote=server.remote,
    )


def _view(
    args: TenantObservabilityArgs, alarms: list[str], panels: list[ServerPanel]
) -> TenantView:
    return TenantView(
        project=args.project,
        stack=args.stack,
        environment=args.environment,
        region=args.region,
        cluster=args.cluster,
        tenant=args.tenant,
        owner=args.owner_email,
        namespace=args.namespace,
        log_group=args.log_group_name,
        monthly_budget_usd=args.monthly_budget_usd,
        quota_pods=args.quota_pods,
        saturation_percent=args.saturation_percent,
        alarm_arns=tuple(alarms),
        servers=tuple(panels),
    )


def _with_budgets_publishing(base: str, topic_arn: str, account: str, partition: str) -> str:
    """The platform's topic policy plus AWS Budgets publishing for this account's budgets."""
    document: dict[str, Any] = json.loads(base)
    document["Statement"].append(
        {
            "Sid": "BudgetsOfThisAccountPublish",
            "Effect": "Allow",
            "Principal": {"Service": "budgets.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:budgets::{account}:*"},
            },
        }
    )
    return json.dumps(document)
