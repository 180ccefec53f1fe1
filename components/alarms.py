"""SloAlarms: the alarms that hold one server to its declared SLO, and where each one goes.

Every threshold comes from the server's effective SLO or the stack's settings: p95 latency
from ``p95_latency_ms`` (ALB TargetResponseTime is in seconds, 400 ms is 0.4), the burn-rate
thresholds from the success target's error budget (components/slo_math.py). Each alarm is
tagged with the server's standard tags plus its kind, severity and runbook, so a policy or
a review can find "the alarms that guard server X" from the resources alone.

The six burn-rate window alarms notify nobody themselves: they are the inputs of two
composite alarms, one that pages (14.4x over 1 h and 5 min, or 6x over 6 h and 30 min) and
one that tickets (3x over 1 day and 2 h), whose actions are suppressed while the page fires.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from catalog.entry import Tier
from components.labels import PREFIX, standard_tags
from components.log_metrics import (
    ENVIRONMENT_DIMENSION,
    NAMESPACE,
    SERVER_DIMENSION,
    metric,
)
from components.paging import PagingTopics, alarm_actions
from components.slo_math import (
    BURN_RATE_TIERS,
    BurnRateTier,
    BurnWindow,
    Severity,
    window_thresholds,
)
from stacks.fleet_plan import PlannedServer, Settings

ALARM_KIND = f"{PREFIX}/alarm-kind"
ALARM_SEVERITY = f"{PREFIX}/alarm-severity"
RUNBOOK = f"{PREFIX}/runbook"
BURN_RATE = f"{PREFIX}/burn-rate"

COMPOSITE_INPUT = "composite-input"
"""Severity tag of a window alarm: it notifies through the composite that reads it."""

ALB_NAMESPACE = "AWS/ApplicationELB"
CONTAINER_INSIGHTS = "ContainerInsights"

RUNBOOKS = {
    "latency-p95": "docs/runbooks/high-latency.md",
    "error-rate-5xx": "docs/runbooks/high-error-rate.md",
    "unhealthy-targets": "docs/runbooks/unhealthy-targets.md",
    "saturation-cpu": "docs/runbooks/saturation.md",
    "saturation-memory": "docs/runbooks/saturation.md",
    "tool-success": "docs/runbooks/slo-burn.md",
    "burn-rate": "docs/runbooks/slo-burn.md",
}

ERROR_RATE_5XX_THRESHOLD = 0.01
"""The guide's runbook: 'Error rate > 1 %'."""

SUPPRESSOR_WAIT_SECONDS = 300
"""How long a firing ticket waits for the page to fire before it notifies anyway."""
SUPPRESSOR_EXTENSION_SECONDS = 3600
"""How long the ticket stays quiet after the page clears: the same incident's tail."""


def alarm_name(settings: Settings, server: PlannedServer, kind: str) -> str:
    return f"{settings.project}-{settings.stack}-{server.name}-{kind}"


def routed_severity(server: PlannedServer, severity: Severity) -> Severity:
    """tier-3 servers are best effort: what would page them becomes a ticket."""
    if severity is Severity.PAGE and server.entry.tier is Tier.TIER_3:
        return Severity.TICKET
    return severity


def window_kind(window: BurnWindow) -> str:
    return f"burn-rate-{window.label}"


@dataclass(frozen=True)
class SloAlarmsArgs:
    settings: Settings
    server: PlannedServer
    load_balancer_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    topics: PagingTopics


@dataclass
class _Built:
    metric_alarms: dict[str, aws.cloudwatch.MetricAlarm] = field(default_factory=dict)
    composite_alarms: dict[str, aws.cloudwatch.CompositeAlarm] = field(default_factory=dict)


class SloAlarms(pulumi.ComponentResource):
    """Latency, 5xx, target health, saturation, tool success and burn-rate alarms of a server."""

    metric_alarms: dict[str, aws.cloudwatch.MetricAlarm]
    composite_alarms: dict[str, aws.cloudwatch.CompositeAlarm]

    def __init__(
        self, name: str, args: SloAlarmsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mcp-fleet:observability:SloAlarms", name, None, opts)
        self._name, self._args = name, args
        self._built = _Built()
        settings, server, slo = args.settings, args.server, args.server.slo
        alb = {
            "LoadBalancer": args.load_balancer_arn_suffix,
            "TargetGroup": args.target_group_arn_suffix,
        }
        who = f"{server.name} ({settings.stack}, tenant {server.tenant})"

        self._metric_alarm(
            "latency-p95",
            Severity.PAGE,
            f"{who}: p95 TargetResponseTime above its SLO of {slo.p95_latency_ms} ms "
            f"({slo.p95_latency_seconds:g} s) in 8 of the last 10 minutes.",
            aws.cloudwatch.MetricAlarmArgs(
                namespace=ALB_NAMESPACE,
                metric_name="TargetResponseTime",
                dimensions=alb,
                extended_statistic="p95",
                period=60,
                evaluation_periods=10,
                datapoints_to_alarm=8,
                threshold=slo.p95_latency_seconds,
                comparison_operator="GreaterThanThreshold",
                evaluate_low_sample_count_percentiles="ignore",
                treat_missing_data="notBreaching",
            ),
        )
        self._metric_alarm(
            "error-rate-5xx",
            Severity.PAGE,
            f"{who}: more than {ERROR_RATE_5XX_THRESHOLD:.0%} of requests answered 5xx by the "
            "targets in 5 consecutive minutes.",
            aws.cloudwatch.MetricAlarmArgs(
                metric_queries=_ratio_queries(
                    numerator=_alb_query("target5xx", "HTTPCode_Target_5XX_Count", alb, 60),
                    denominator=_alb_query("requests", "RequestCount", alb, 60),
                    label="5xx ratio",
                ),
                evaluation_periods=5,
                datapoints_to_alarm=5,
                threshold=ERROR_RATE_5XX_THRESHOLD,
                comparison_operator="GreaterThanThreshold",
                treat_missing_data="notBreaching",
            ),
        )
        self._metric_alarm(
            "unhealthy-targets",
            Severity.TICKET,
            f"{who}: at least one target of its target group failed health checks for 5 "
            "consecutive minutes.",
            aws.cloudwatch.MetricAlarmArgs(
                namespace=ALB_NAMESPACE,
                metric_name="UnHealthyHostCount",
                dimensions=alb,
                statistic="Maximum",
                period=60,
                evaluation_periods=5,
                datapoints_to_alarm=5,
                threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                # Published every minute while the target group exists: a gap means a problem.
                treat_missing_data="missing",
            ),
        )
        saturation = settings.observability.saturation_percent
        pods = {
            "ClusterName": settings.cluster.name,
            "Namespace": server.namespace,
            "PodName": server.name,
        }
        for kind, resource, metric_name in (
            ("saturation-cpu", "CPU", "pod_cpu_utilization_over_pod_limit"),
            ("saturation-memory", "memory", "pod_memory_utilization_over_pod_limit"),
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
        self._metric_alarm(
            "tool-success",
            Severity.TICKET,
            f"{who}: tool success over the last day is below its SLO of "
            f"{slo.tool_success_rate:g} %: at this pace the month misses its target.",
            aws.cloudwatch.MetricAlarmArgs(
                metric_queries=_success_queries(settings, server, 86_400),
                evaluation_periods=1,
                datapoints_to_alarm=1,
                threshold=round(slo.tool_success_rate / 100, 10),
                comparison_operator="LessThanThreshold",
                treat_missing_data="notBreaching",
            ),
        )
        self._burn_rate_alarms(who)
        self.metric_alarms = self._built.metric_alarms
        self.composite_alarms = self._built.composite_alarms
        self.register_outputs(
            {
                "metric_alarms": {k: a.name for k, a in self.metric_alarms.items()},
                "composite_alarms": {k: a.alarm_name for k, a in self.composite_alarms.items()},
            }
        )

    # -- burn rate -----------------------------------------------------------------------

    def _burn_rate_alarms(self, who: str) -> None:
        settings, server = self._args.settings, self._args.server
        thresholds = window_thresholds(server.slo.tool_success_rate)
        burn_of = {w: t.burn_rate for t in BURN_RATE_TIERS for w in (t.long_window, t.short_window)}
        for window, threshold in thresholds.items():
            self._metric_alarm(
                window_kind(window),
                None,
                f"{who}: error ratio over {window.label} above {threshold:g} "
                f"({burn_of[window]:g}x the error budget of its {server.slo.tool_success_rate:g} % "
                "SLO). Input of a burn-rate composite alarm; notifies through it.",
                aws.cloudwatch.MetricAlarmArgs(
                    metric_queries=_error_ratio_queries(settings, server, window.seconds),
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
        page = self._composite(
            "burn-rate-page",
            Severity.PAGE,
            f"{who}: the error budget of its {server.slo.tool_success_rate:g} % SLO burns fast: "
            + _tiers_text(page_tiers)
            + ".",
            _rule(self._alarm_names(), page_tiers),
        )
        self._composite(
            "burn-rate-ticket",
            Severity.TICKET,
            f"{who}: the error budget of its {server.slo.tool_success_rate:g} % SLO burns: "
            + _tiers_text(ticket_tiers)
            + ". Quiet while burn-rate-page fires.",
            _rule(self._alarm_names(), ticket_tiers),
            suppressor=page,
        )

    def _alarm_names(self) -> Mapping[str, str]:
        return {
            kind: alarm_name(self._args.settings, self._args.server, kind)
            for kind in self._built.metric_alarms
        }

    # -- resources -----------------------------------------------------------------------

    def _tags(
        self, kind: str, severity: Severity | None, extra: Mapping[str, str]
    ) -> dict[str, str]:
        runbook = RUNBOOKS["burn-rate" if kind.startswith("burn-rate") else kind]
        return {
            **standard_tags(self._args.settings, self._args.server),
            ALARM_KIND: kind,
            ALARM_SEVERITY: severity.value if severity else COMPOSITE_INPUT,
            RUNBOOK: runbook,
            **extra,
        }

    def _actions(self, severity: Severity | None) -> list[pulumi.Input[str]]:
        if severity is None:
            return []
        routed = routed_severity(self._args.server, severity)
        return alarm_actions(self._args.settings, routed, self._args.topics)

    def _description(self, kind: str, text: str) -> str:
        runbook = RUNBOOKS["burn-rate" if kind.startswith("burn-rate") else kind]
        return f"{text} Runbook: {runbook}"

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
        watch.name = alarm_name(self._args.settings, self._args.server, kind)
        watch.alarm_description = self._description(kind, text)
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
        inputs = [a for k, a in self._built.metric_alarms.items() if k.startswith("burn-rate-")]
        resource = aws.cloudwatch.CompositeAlarm(
            f"{self._name}-{kind}",
            alarm_name=alarm_name(self._args.settings, self._args.server, kind),
            alarm_description=self._description(kind, text),
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


# -- metric queries ----------------------------------------------------------------------


def _alb_query(
    query_id: str, metric_name: str, dimensions: Mapping[str, pulumi.Input[str]], period: int
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=query_id,
        return_data=False,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace=ALB_NAMESPACE,
            metric_name=metric_name,
            dimensions=dict(dimensions),
            period=period,
            stat="Sum",
        ),
    )


def _log_query(
    query_id: str, key: str, settings: Settings, server: PlannedServer, period: int
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=query_id,
        return_data=False,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace=NAMESPACE,
            metric_name=metric(key).metric_name,
            dimensions={
                ENVIRONMENT_DIMENSION: settings.environment.value,
                SERVER_DIMENSION: server.name,
            },
            period=period,
            stat="Sum",
        ),
    )


def _ratio_queries(
    numerator: aws.cloudwatch.MetricAlarmMetricQueryArgs,
    denominator: aws.cloudwatch.MetricAlarmMetricQueryArgs,
    label: str,
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    """``numerator / denominator``, 0 when nothing failed, no value when there was no traffic."""
    top, bottom = numerator.id, denominator.id
    return [
        numerator,
        denominator,
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="ratio",
            label=label,
            expression=f"IF({bottom} > 0, FILL({top}, 0) / {bottom}, 0)",
            return_data=True,
        ),
    ]


def error_ratio_expression() -> str:
    """Failed calls over calls the SLO counts (all but the rejected ones)."""
    return "IF(eligible > 0, FILL(errors, 0) / eligible, 0)"


def _error_ratio_queries(
    settings: Settings, server: PlannedServer, period: int, *, label: str = "error ratio"
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    return [
        _log_query("calls", "tool-calls", settings, server, period),
        _log_query("errors", "tool-errors", settings, server, period),
        _log_query("rejected", "tool-rejections", settings, server, period),
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="eligible",
            label="calls the SLO counts",
            expression="calls - FILL(rejected, 0)",
            return_data=False,
        ),
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="ratio", label=label, expression=error_ratio_expression(), return_data=True
        ),
    ]


def _success_queries(
    settings: Settings, server: PlannedServer, period: int
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    queries = _error_ratio_queries(settings, server, period)
    ratio = queries[-1]
    queries[-1] = aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id="ratio", label="error ratio", expression=ratio.expression, return_data=False
    )
    queries.append(
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="success", label="tool success ratio", expression="1 - ratio", return_data=True
        )
    )
    return queries


def _rule(names: Mapping[str, str], tiers: Sequence[BurnRateTier]) -> str:
    """``(ALARM("long") AND ALARM("short")) OR ...``: both windows of a tier must burn."""
    clauses = [
        f'(ALARM("{names[window_kind(t.long_window)]}") AND ALARM("{names[window_kind(t.short_window)]}"))'
        for t in tiers
    ]
    return " OR ".join(clauses)


def _tiers_text(tiers: Sequence[BurnRateTier]) -> str:
    return " or ".join(
        f"{t.burn_rate:g}x over {t.long_window.label} and {t.short_window.label}" for t in tiers
    )
