"""SloAlarms: the alarms that hold one server to its declared SLO, and where each one goes.

Every threshold comes from the server's effective SLO or the stack's settings: p95 latency
from ``p95_latency_ms`` (the gateway's Latency metric is in milliseconds), the burn-rate
thresholds from the success target's error budget (components/slo_math.py). Latency, 5xx and
tool success are measured at the gateway (components/gateway_alarms.py), the same for a server
in the cluster and a remote one; the ALB only sees the gateway (components/fleet_alarms.py).
Each alarm is tagged with the server's standard tags plus its kind, severity and runbook, so a policy or
a review can find "the alarms that guard server X" from the resources alone.

The six burn-rate window alarms notify nobody themselves: they are the inputs of two
composite alarms, one that pages (14.4x over 1 h and 5 min, or 6x over 6 h and 30 min) and
one that tickets (3x over 1 day and 2 h), whose actions are suppressed while the page fires.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from catalog.entry import Tier
from components.alarm_queries import composite_rule, success_queries, tiers_text, window_kind
from components.alb_alarm_watches import ERROR_RATE_5XX_THRESHOLD
from components.gateway_alarms import (
    gateway_error_rate_watch,
    gateway_error_ratio_queries,
    gateway_latency_watch,
    gateway_success_queries,
    is_remote,
)
from components.paging import AlarmRouting
from components.slo_math import BURN_RATE_TIERS, Severity, success_ratio, window_thresholds
from policy.contract import (
    ALARM_BURN_RATE_PAGE,
    ALARM_BURN_RATE_PREFIX,
    ALARM_BURN_RATE_TICKET,
    ALARM_ERROR_RATE_5XX,
    ALARM_KIND,
    ALARM_LATENCY_P95,
    ALARM_SATURATION_CPU,
    ALARM_SATURATION_MEMORY,
    ALARM_SEVERITY,
    ALARM_TOOL_SUCCESS,
    ALARM_UNHEALTHY_TARGETS,
    BURN_RATE,
    RUNBOOK,
    SEVERITY_COMPOSITE_INPUT,
    component_type,
)
from stacks.fleet_plan import PlannedServer

COMPOSITE_INPUT = SEVERITY_COMPOSITE_INPUT
"""Severity tag of a window alarm: it notifies through the composite that reads it."""

CONTAINER_INSIGHTS = "ContainerInsights"

ALARM_SERVER_TOOL_SUCCESS = "server-tool-success"
"""The servers' own tool-success lines (isError inside a 200, which the gateway cannot see):
the secondary signal beside the gateway's primary one."""

RUNBOOKS = {
    ALARM_LATENCY_P95: "docs/runbooks/high-latency.md",
    ALARM_ERROR_RATE_5XX: "docs/runbooks/high-error-rate.md",
    ALARM_UNHEALTHY_TARGETS: "docs/runbooks/unhealthy-targets.md",
    ALARM_SATURATION_CPU: "docs/runbooks/saturation.md",
    ALARM_SATURATION_MEMORY: "docs/runbooks/saturation.md",
    ALARM_TOOL_SUCCESS: "docs/runbooks/slo-burn.md",
    ALARM_SERVER_TOOL_SUCCESS: "docs/runbooks/slo-burn.md",
    "burn-rate": "docs/runbooks/slo-burn.md",
}

SUPPRESSOR_WAIT_SECONDS = 300
"""How long a firing ticket waits for the page to fire before it notifies anyway."""
SUPPRESSOR_EXTENSION_SECONDS = 3600
"""How long the ticket stays quiet after the page clears: the same incident's tail."""


def routed_severity(server: PlannedServer, severity: Severity) -> Severity:
    """tier-3 servers are best effort: what would page them becomes a ticket."""
    if severity is Severity.PAGE and server.entry.tier is Tier.TIER_3:
        return Severity.TICKET
    return severity


def runbook_of(kind: str) -> str:
    return RUNBOOKS["burn-rate" if kind.startswith(ALARM_BURN_RATE_PREFIX) else kind]


@dataclass(frozen=True)
class AlarmScope:
    """What the alarms of every server in one stack share."""

    name_prefix: str
    """Alarm names start with it: ``mcp-fleet-prod`` -> ``mcp-fleet-prod-search-latency-p95``."""
    stack: str
    """Named in every description, so a page says which stack is burning."""
    environment: str
    """The Environment dimension of the log metrics the tool alarms read."""
    cluster_name: str
    saturation_percent: int

    def __post_init__(self) -> None:
        if not 0 < self.saturation_percent <= 100:
            raise ValueError(
                f"AlarmScope: saturation_percent {self.saturation_percent} is not a percentage "
                "of a pod limit; use 50-100"
            )


@dataclass(frozen=True)
class SloAlarmsArgs:
    server: PlannedServer
    scope: AlarmScope
    tags: Mapping[str, str]
    """The server's standard tags; each alarm adds its kind, severity and runbook."""
    routing: AlarmRouting

    def alarm_name(self, kind: str) -> str:
        return f"{self.scope.name_prefix}-{self.server.name}-{kind}"


@dataclass
class _Built:
    metric_alarms: dict[str, aws.cloudwatch.MetricAlarm] = field(default_factory=dict)
    composite_alarms: dict[str, aws.cloudwatch.CompositeAlarm] = field(default_factory=dict)


class SloAlarms(pulumi.ComponentResource):
    """Latency, 5xx, saturation, tool success and burn-rate alarms of a server."""

    metric_alarms: dict[str, aws.cloudwatch.MetricAlarm]
    composite_alarms: dict[str, aws.cloudwatch.CompositeAlarm]

    def __init__(
        self, name: str, args: SloAlarmsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("observability", "SloAlarms"), name, None, opts)
        self._name, self._args = name, args
        self._built = _Built()
        server = args.server
        who = f"{server.name} ({args.scope.stack}, tenant {server.tenant})"
        self._gateway_alarms(who)
        if not is_remote(server):
            self._saturation_alarms(who)
            self._server_success_alarm(who)
        self._tool_success_alarm(who)
        self._burn_rate_alarms(who)
        self.metric_alarms = self._built.metric_alarms
        self.composite_alarms = self._built.composite_alarms
        self.register_outputs(
            {
                "metric_alarms": {k: a.name for k, a in self.metric_alarms.items()},
                "composite_alarms": {k: a.alarm_name for k, a in self.composite_alarms.items()},
            }
        )

    # -- what is watched -------------------------------------------------------------------

    def _gateway_alarms(self, who: str) -> None:
        """p95 latency and the 5xx ratio of tool calls, measured at the gateway per server."""
        scope, server = self._args.scope, self._args.server
        held, promise = server.slo, "SLA" if is_remote(server) else "SLO"
        self._metric_alarm(
            ALARM_LATENCY_P95,
            Severity.PAGE,
            f"{who}: p95 latency at the gateway above its {promise} of {held.p95_latency_ms} ms "
            "in 8 of the last 10 minutes.",
            gateway_latency_watch(scope.environment, server),
        )
        self._metric_alarm(
            ALARM_ERROR_RATE_5XX,
            Severity.PAGE,
            f"{who}: more than {ERROR_RATE_5XX_THRESHOLD:.0%} of its requests answered 5xx at "
            "the gateway in 5 consecutive minutes.",
            gateway_error_rate_watch(scope.environment, server, ERROR_RATE_5XX_THRESHOLD),
        )

    def _saturation_alarms(self, who: str) -> None:
        scope, server = self._args.scope, self._args.server
        saturation = scope.saturation_percent
        pods = {
            "ClusterName": scope.cluster_name,
            "Namespace": server.namespace,
            "PodName": server.name,
        }
        for kind, resource, metric_name in (
            (ALARM_SATURATION_CPU, "CPU", "pod_cpu_utilization_over_pod_limit"),
            (ALARM_SATURATION_MEMORY, "memory", "pod_memory_utilization_over_pod_limit"),
        ):
            self._metric_alarm(
                kind,
                Severity.TICKET,
                f"{who}: pods use more than {saturation} % of their {resource} limit on average "
                "for 15 minutes.",
                aws.cloudwatch.MetricAlarmArgs(
                    namespace=CONTAINER_INSIGHTS,
                    metric_name=metric_name,
                    dimensions=pods,
                    statistic="Average",
                    period=300,
                    evaluation_periods=3,
                    datapoints_to_alarm=3,
                    threshold=saturation,
                    comparison_operator="GreaterThanThreshold",
                    treat_missing_data="missing",
                ),
            )

    def _tool_success_alarm(self, who: str) -> None:
        """The primary SLI: tool success measured at the gateway."""
        scope, server = self._args.scope, self._args.server
        target = server.slo.tool_success_rate
        self._metric_alarm(
            ALARM_TOOL_SUCCESS,
            Severity.TICKET,
            f"{who}: tool success at the gateway over the last day is below its SLO of "
            f"{target:g} %: at this pace the month misses its target.",
            aws.cloudwatch.MetricAlarmArgs(
                metric_queries=gateway_success_queries(scope.environment, server, 86_400),
                evaluation_periods=1,
                datapoints_to_alarm=1,
                threshold=success_ratio(target),
                comparison_operator="LessThanThreshold",
                treat_missing_data="notBreaching",
            ),
        )

    def _server_success_alarm(self, who: str) -> None:
        """Secondary: the server's own tool-call lines, which also see isError in a 200."""
        scope, server = self._args.scope, self._args.server
        self._metric_alarm(
            ALARM_SERVER_TOOL_SUCCESS,
            Severity.TICKET,
            f"{who}: tool success in the server's own logs over the last day is below its SLO "
            f"of {server.slo.tool_success_rate:g} % (secondary to the gateway's).",
            aws.cloudwatch.MetricAlarmArgs(
                metric_queries=success_queries(
                    scope.environment, server.tenant, server.name, 86_400
                ),
                evaluation_periods=1,
                datapoints_to_alarm=1,
                threshold=success_ratio(server.slo.tool_success_rate),
                comparison_operator="LessThanThreshold",
                treat_missing_data="notBreaching",
            ),
        )

    def _burn_rate_alarms(self, who: str) -> None:
        scope, server = self._args.scope, self._args.server
        target = server.slo.tool_success_rate
        thresholds = window_thresholds(target)
        burn_of = {w: t.burn_rate for t in BURN_RATE_TIERS for w in (t.long_window, t.short_window)}
        for window, threshold in thresholds.items():
            self._metric_alarm(
                window_kind(window),
                None,
                f"{who}: error ratio over {window.label} above {threshold:g} "
                f"({burn_of[window]:g}x the error budget of its {target:g} % "
                "SLO). Input of a burn-rate composite alarm; notifies through it.",
                aws.cloudwatch.MetricAlarmArgs(
                    metric_queries=gateway_error_ratio_queries(
                        scope.environment, server, window.seconds
                    ),
                    evaluation_periods=1,
                    datapoints_to_alarm=1,
                    threshold=threshold,
                    comparison_operator="GreaterThanOrEqualToThreshold",
                    treat_missing_data="notBreaching",
                ),
                extra_tags={BURN_RATE: f"{burn_of[window]:g}"},
            )
        page_tiers = [t for t in BURN_RATE_TIERS if t.severity is Severity.PAGE]
        ticket_tiers = [t for t in BURN_RATE_TIERS if t.severity is Severity.TICKET]
        names = {kind: self._args.alarm_name(kind) for kind in self._built.metric_alarms}
        page = self._composite(
            ALARM_BURN_RATE_PAGE,
            Severity.PAGE,
            f"{who}: the error budget of its {target:g} % SLO burns fast: "
            + tiers_text(page_tiers)
            + ".",
            composite_rule(names, page_tiers),
        )
        self._composite(
            ALARM_BURN_RATE_TICKET,
            Severity.TICKET,
            f"{who}: the error budget of its {target:g} % SLO burns: "
            + tiers_text(ticket_tiers)
            + f". Quiet while {ALARM_BURN_RATE_PAGE} fires.",
            composite_rule(names, ticket_tiers),
            suppressor=page,
        )

    # -- naming, routing and tags, the same for every alarm ----------------------------------

    def _tags(
        self, kind: str, severity: Severity | None, extra: Mapping[str, str]
    ) -> dict[str, str]:
        return {
            **self._args.tags,
            ALARM_KIND: kind,
            ALARM_SEVERITY: severity.value if severity else COMPOSITE_INPUT,
            RUNBOOK: runbook_of(kind),
            **extra,
        }

    def _actions(self, severity: Severity | None) -> list[pulumi.Input[str]]:
        if severity is None:
            return []
        return self._args.routing.actions(routed_severity(self._args.server, severity))

    def _metric_alarm(
        self,
        kind: str,
        severity: Severity | None,
        text: str,
        watch: aws.cloudwatch.MetricAlarmArgs,
        extra_tags: Mapping[str, str] | None = None,
    ) -> aws.cloudwatch.MetricAlarm:
        """``watch`` says what is measured; naming, routing and tags are the same for all."""
        routed = routed_severity(self._args.server, severity) if severity else None
        actions = self._actions(severity)
        watch.name = self._args.alarm_name(kind)
        watch.alarm_description = f"{text} Runbook: {runbook_of(kind)}"
        watch.actions_enabled = True
        watch.alarm_actions = actions
        watch.ok_actions = actions
        watch.tags = self._tags(kind, routed, extra_tags or {})
        resource = aws.cloudwatch.MetricAlarm(
            f"{self._name}-{kind}", watch, opts=pulumi.ResourceOptions(parent=self)
        )
        self._built.metric_alarms[kind] = resource
        return resource

    def _composite(
        self,
        kind: str,
        severity: Severity,
        text: str,
        rule: str,
        suppressor: aws.cloudwatch.CompositeAlarm | None = None,
    ) -> aws.cloudwatch.CompositeAlarm:
        actions = self._actions(severity)
        inputs = [
            a for k, a in self._built.metric_alarms.items() if k.startswith(ALARM_BURN_RATE_PREFIX)
        ]
        resource = aws.cloudwatch.CompositeAlarm(
            f"{self._name}-{kind}",
            alarm_name=self._args.alarm_name(kind),
            alarm_description=f"{text} Runbook: {runbook_of(kind)}",
            alarm_rule=rule,
            actions_enabled=True,
            alarm_actions=actions,
            ok_actions=actions,
            actions_suppressor=aws.cloudwatch.CompositeAlarmActionsSuppressorArgs(
                alarm=suppressor.alarm_name,
                wait_period=SUPPRESSOR_WAIT_SECONDS,
                extension_period=SUPPRESSOR_EXTENSION_SECONDS,
            )
            if suppressor is not None
            else None,
            tags=self._tags(kind, routed_severity(self._args.server, severity), {}),
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[*inputs, *([suppressor] if suppressor else [])]
            ),
        )
        self._built.composite_alarms[kind] = resource
        return resource
