"""Observability: logs, metrics, alarms, dashboards and paging for one environment's fleet.

Composes FleetLogs (container logs into CloudWatch, metric filters over the log contract),
Paging (page and ticket topics), one SloAlarms per server and the fleet dashboards. It takes
the load balancer's ARN suffixes as plain inputs, so it does not depend on how the load
balancer component is written.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import SloAlarms, SloAlarmsArgs
from components.dashboards import FleetView, ServerPanel, build_dashboards
from components.log_collection import FleetLogs, FleetLogsArgs
from components.paging import Paging, PagingArgs, alarm_actions
from components.slo_math import Severity
from stacks.fleet_plan import Settings


@dataclass(frozen=True)
class ObservabilityArgs:
    settings: Settings
    load_balancer_arn_suffix: pulumi.Input[str]
    target_group_arn_suffixes: Mapping[str, pulumi.Input[str]]
    """Server name -> its target group's ARN suffix (``targetgroup/NAME/ID``)."""


class Observability(pulumi.ComponentResource):
    """Everything that tells the on-call engineer how the fleet is doing, and wakes them."""

    page_topic_arn: pulumi.Output[str]
    ticket_topic_arn: pulumi.Output[str]
    alarms: dict[str, SloAlarms]
    dashboards: dict[str, aws.cloudwatch.Dashboard]

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mcp-fleet:observability:Observability", name, None, opts)
        settings = args.settings
        self._settings = settings
        missing = [s.name for s in settings.servers if s.name not in args.target_group_arn_suffixes]
        if missing:
            raise ValueError(f"no target group ARN suffix for server(s) {', '.join(missing)}")
        child = pulumi.ResourceOptions(parent=self)

        self.paging = Paging(f"{name}-paging", PagingArgs(settings=settings), opts=child)
        self.logs = FleetLogs(f"{name}-logs", FleetLogsArgs(settings=settings), opts=child)
        self.alarms = {
            server.name: SloAlarms(
                f"{name}-{server.name}",
                SloAlarmsArgs(
                    settings=settings,
                    server=server,
                    load_balancer_arn_suffix=args.load_balancer_arn_suffix,
                    target_group_arn_suffix=args.target_group_arn_suffixes[server.name],
                    topics=self.paging.topics,
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.logs]),
            )
            for server in settings.servers
        }
        self.dashboards = self._dashboards(name, args)
        self.page_topic_arn = self.paging.page_topic.arn
        self.ticket_topic_arn = self.paging.ticket_topic.arn
        self.register_outputs(
            {
                "page_topic_arn": self.page_topic_arn,
                "ticket_topic_arn": self.ticket_topic_arn,
                "application_log_group": self.logs.application_log_group.name,
                "dashboards": {n: d.dashboard_name for n, d in self.dashboards.items()},
                "alarms": {
                    server: {
                        **{k: a.name for k, a in alarms.metric_alarms.items()},
                        **{k: a.alarm_name for k, a in alarms.composite_alarms.items()},
                    }
                    for server, alarms in self.alarms.items()
                },
            }
        )

    def alarm_actions(self, severity: Severity | str) -> list[pulumi.Input[str]]:
        """Actions for an alarm another component creates (backups): [] in dev unless asked."""
        return alarm_actions(self._settings, severity, self.paging.topics)

    def _dashboards(
        self, name: str, args: ObservabilityArgs
    ) -> dict[str, aws.cloudwatch.Dashboard]:
        settings = args.settings
        notifying: list[pulumi.Output[str]] = []
        for alarms in self.alarms.values():
            notifying += [a.arn for a in alarms.composite_alarms.values()]
            notifying += [a.arn for k, a in alarms.metric_alarms.items() if k in NOTIFYING_KINDS]
        target_groups = [args.target_group_arn_suffixes[s.name] for s in settings.servers]
        resolved = pulumi.Output.all(
            pulumi.Output.from_input(args.load_balancer_arn_suffix),
            pulumi.Output.all(*target_groups),
            pulumi.Output.all(*notifying),
            self.logs.application_log_group.name,
        )

        def bodies(values: list[Any]) -> dict[str, str]:
            load_balancer, groups, alarm_arns, log_group = values
            view = fleet_view(settings, load_balancer, groups, alarm_arns, log_group)
            return {n: json.dumps(b, sort_keys=True) for n, b in build_dashboards(view).items()}

        # How many dashboards there are depends only on the plan, never on resolved values,
        # so the resource list is the same in preview and update.
        shape = fleet_view(settings, "", [""] * len(target_groups), [""] * len(notifying), "")
        rendered = resolved.apply(bodies)
        return {
            dashboard: aws.cloudwatch.Dashboard(
                f"{name}-{dashboard}",
                dashboard_name=dashboard,
                dashboard_body=rendered.apply(functools.partial(_body_of, dashboard)),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for dashboard in build_dashboards(shape)
        }


NOTIFYING_KINDS = frozenset(
    {
        "latency-p95",
        "error-rate-5xx",
        "unhealthy-targets",
        "saturation-cpu",
        "saturation-memory",
        "tool-success",
    }
)
"""Metric alarms shown in the dashboard's status widget; window alarms show via composites."""


def _body_of(dashboard: str, bodies: Mapping[str, str]) -> str:
    return bodies[dashboard]


def fleet_view(
    settings: Settings,
    load_balancer: str,
    target_groups: Sequence[str],
    alarm_arns: Sequence[str],
    application_log_group: str,
) -> FleetView:
    """The dashboards' input: the plan joined with resolved ARN suffixes and alarm ARNs."""
    return FleetView(
        project=settings.project,
        stack=settings.stack,
        environment=settings.environment.value,
        region=settings.region,
        cluster=settings.cluster.name,
        application_log_group=application_log_group,
        saturation_percent=settings.observability.saturation_percent,
        alarm_arns=list(alarm_arns),
        servers=[
            ServerPanel(
                name=server.name,
                tenant=server.tenant,
                namespace=server.namespace,
                tier=server.entry.tier.value,
                success_rate=server.slo.tool_success_rate,
                p95_latency_ms=server.slo.p95_latency_ms,
                load_balancer=load_balancer,
                target_group=target_group,
            )
            for server, target_group in zip(settings.servers, target_groups, strict=True)
        ],
    )
