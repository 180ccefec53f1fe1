"""Observability: logs, metrics, alarms, dashboards and paging for one environment's fleet.

Composes FleetLogs (container logs into CloudWatch, metric filters over the log contract and
the gateway's access log), Paging (page and ticket topics), one SloAlarms per server (measured
at the gateway), FleetAlarms on the load balancer's one target group (the gateway's) and the
fleet dashboards. It takes the load balancer's ARN suffixes as plain inputs, so it does not
depend on how the load balancer component is written. ``routing`` is where another
component's alarm (a stale backup) sends its notifications.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import ALARM_SERVER_TOOL_SUCCESS, AlarmScope, SloAlarms, SloAlarmsArgs
from components.arg_checks import repeated
from components.dashboards import FleetView, ServerPanel, build_dashboards
from components.fleet_alarms import FleetAlarms, FleetAlarmsArgs
from components.gateway_alarms import is_remote
from components.log_collection import FleetLogs, FleetLogsArgs, GatewayLogs
from components.paging import AlarmRouting, Paging, PagingArgs
from policy.contract import (
    ALARM_ERROR_RATE_5XX,
    ALARM_LATENCY_P95,
    ALARM_SATURATION_CPU,
    ALARM_SATURATION_MEMORY,
    ALARM_TOOL_SUCCESS,
    ALARM_UNHEALTHY_TARGETS,
    FLEET_SERVER,
    component_type,
)
from stacks.fleet_plan import PlannedServer


@dataclass(frozen=True)
class MonitoredServer:
    """A server to alarm on and show: its plan and its tags (its metrics are the gateway's)."""

    server: PlannedServer
    tags: Mapping[str, str]


@dataclass(frozen=True)
class ObservabilityArgs:
    project: str
    region: str
    paging: PagingArgs
    logs: FleetLogsArgs
    alarms: AlarmScope
    notify: bool
    """Whether alarms notify anyone (dev records only, unless the stack asks)."""
    servers: Sequence[MonitoredServer]
    load_balancer_arn_suffix: pulumi.Input[str]
    """``app/NAME/ID``: the LoadBalancer dimension of the ALB's metrics."""
    gateway_target_group_arn_suffix: pulumi.Input[str]
    """``targetgroup/NAME/ID``: the gateway's target group, the only one the ALB forwards to."""

    def __post_init__(self) -> None:
        names = [monitored.server.name for monitored in self.servers]
        if not names:
            raise ValueError("Observability: no servers to watch; pass at least one")
        if FLEET_SERVER in names:
            raise ValueError(
                f"Observability: a server is named {FLEET_SERVER!r}, the name of the fleet's own "
                "alarms; rename the server"
            )
        twice = repeated(names)
        if twice:
            raise ValueError(f"Observability: server(s) {', '.join(twice)} passed twice")


class Observability(pulumi.ComponentResource):
    """Everything that tells the on-call engineer how the fleet is doing, and wakes them."""

    page_topic_arn: pulumi.Output[str]
    ticket_topic_arn: pulumi.Output[str]
    routing: AlarmRouting
    alarms: dict[str, SloAlarms]
    dashboards: dict[str, aws.cloudwatch.Dashboard]

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("observability", "Observability"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.paging = Paging(f"{name}-paging", args.paging, opts=child)
        self.logs = FleetLogs(f"{name}-logs", with_gateway(args), opts=child)
        self.routing = AlarmRouting(topics=self.paging.topics, notify=args.notify)
        self.alarms = {
            monitored.server.name: SloAlarms(
                f"{name}-{monitored.server.name}",
                SloAlarmsArgs(
                    server=monitored.server,
                    scope=args.alarms,
                    tags=monitored.tags,
                    routing=self.routing,
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.logs]),
            )
            for monitored in args.servers
        }
        self.fleet_alarms = FleetAlarms(
            f"{name}-fleet",
            FleetAlarmsArgs(
                name_prefix=args.alarms.name_prefix,
                stack=args.alarms.stack,
                tags=args.paging.tags,
                load_balancer_arn_suffix=args.load_balancer_arn_suffix,
                gateway_target_group_arn_suffix=args.gateway_target_group_arn_suffix,
                routing=self.routing,
            ),
            opts=child,
        )
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
                "fleet_alarms": {k: a.name for k, a in self.fleet_alarms.metric_alarms.items()},
            }
        )

    def _dashboards(
        self, name: str, args: ObservabilityArgs
    ) -> dict[str, aws.cloudwatch.Dashboard]:
        notifying: list[pulumi.Output[str]] = []
        for alarms in self.alarms.values():
            notifying += [a.arn for a in alarms.composite_alarms.values()]
            notifying += [a.arn for k, a in alarms.metric_alarms.items() if k in NOTIFYING_KINDS]
        notifying += [a.arn for a in self.fleet_alarms.metric_alarms.values()]
        resolved = pulumi.Output.all(
            pulumi.Output.from_input(args.load_balancer_arn_suffix),
            pulumi.Output.from_input(args.gateway_target_group_arn_suffix),
            pulumi.Output.all(*notifying),
            self.logs.application_log_group.name,
        )

        def bodies(values: list[Any]) -> dict[str, str]:
            load_balancer, gateway_group, alarm_arns, log_group = values
            view = fleet_view(args, load_balancer, gateway_group, alarm_arns, log_group)
            return {n: json.dumps(b, sort_keys=True) for n, b in build_dashboards(view).items()}

        # How many dashboards there are depends only on the plan, never on resolved values,
        # so the resource list is the same in preview and update.
        shape = fleet_view(args, "", "", [""] * len(notifying), "")
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


def with_gateway(args: ObservabilityArgs) -> FleetLogsArgs:
    """Every stack's gateway is measured: its filters publish under the alarms' environment."""
    if args.logs.gateway is not None:
        return args.logs
    return dataclasses.replace(args.logs, gateway=GatewayLogs(args.alarms.environment))


NOTIFYING_KINDS = frozenset(
    {
        ALARM_LATENCY_P95,
        ALARM_ERROR_RATE_5XX,
        ALARM_UNHEALTHY_TARGETS,
        ALARM_SATURATION_CPU,
        ALARM_SATURATION_MEMORY,
        ALARM_TOOL_SUCCESS,
        ALARM_SERVER_TOOL_SUCCESS,
    }
)
"""Metric alarms shown in the dashboard's status widget; window alarms show via composites."""


def _body_of(dashboard: str, bodies: Mapping[str, str]) -> str:
    return bodies[dashboard]


def fleet_view(
    args: ObservabilityArgs,
    load_balancer: str,
    gateway_target_group: str,
    alarm_arns: Sequence[str],
    application_log_group: str,
) -> FleetView:
    """The dashboards' input: the plan joined with resolved ARN suffixes and alarm ARNs."""
    scope = args.alarms
    return FleetView(
        project=args.project,
        stack=scope.stack,
        environment=scope.environment,
        region=args.region,
        cluster=scope.cluster_name,
        application_log_group=application_log_group,
        saturation_percent=scope.saturation_percent,
        alarm_arns=list(alarm_arns),
        load_balancer=load_balancer,
        gateway_target_group=gateway_target_group,
        servers=[
            ServerPanel(
                name=server.name,
                tenant=server.tenant,
                namespace=server.namespace,
                tier=server.entry.tier.value,
                success_rate=server.slo.tool_success_rate,
                p95_latency_ms=server.slo.p95_latency_ms,
                tools=tuple(server.entry.approved_tools),
                remote=is_remote(server),
            )
            for server in (monitored.server for monitored in args.servers)
        ],
    )
