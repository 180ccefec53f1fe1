"""FleetAlarms: what only the load balancer sees, once per stack, on the gateway's target group.

Every request reaches a server through the gateway, so the ALB has one target group (the
gateway's) and its metrics describe the fleet's front door, not any server: 5xx answered to
clients (the ALB's own when no gateway replica answers, and the gateway's) pages, and a gateway
replica failing health checks tickets. Per-server signals are SloAlarms' (components/alarms.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alarms import runbook_of
from components.alb_alarm_watches import (
    ERROR_RATE_5XX_THRESHOLD,
    error_rate_watch,
    gateway_targets,
    unhealthy_watch,
)
from components.paging import AlarmRouting
from components.slo_math import Severity
from policy.contract import (
    ALARM_ERROR_RATE_5XX,
    ALARM_KIND,
    ALARM_SEVERITY,
    ALARM_UNHEALTHY_TARGETS,
    FLEET_SERVER,
    RUNBOOK,
    component_type,
)


@dataclass(frozen=True)
class FleetAlarmsArgs:
    name_prefix: str
    """Alarm names: ``mcp-fleet-prod`` -> ``mcp-fleet-prod-fleet-error-rate-5xx``."""
    stack: str
    tags: Mapping[str, str]
    """The fleet's standard tags (server ``fleet``); each alarm adds kind, severity, runbook."""
    load_balancer_arn_suffix: pulumi.Input[str]
    gateway_target_group_arn_suffix: pulumi.Input[str]
    routing: AlarmRouting

    def alarm_name(self, kind: str) -> str:
        return f"{self.name_prefix}-{FLEET_SERVER}-{kind}"


class FleetAlarms(pulumi.ComponentResource):
    """The ALB's 5xx ratio and the gateway's unhealthy targets."""

    metric_alarms: dict[str, aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: FleetAlarmsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("observability", "FleetAlarms"), name, None, opts)
        alb = gateway_targets(args.load_balancer_arn_suffix, args.gateway_target_group_arn_suffix)
        who = f"load balancer of {args.stack}"
        self.metric_alarms = {
            ALARM_ERROR_RATE_5XX: self._alarm(
                name,
                args,
                ALARM_ERROR_RATE_5XX,
                Severity.PAGE,
                f"{who}: more than {ERROR_RATE_5XX_THRESHOLD:.0%} of its requests answered "
                "5xx (by the load balancer or the gateway) in 5 consecutive minutes.",
                error_rate_watch(alb),
            ),
            ALARM_UNHEALTHY_TARGETS: self._alarm(
                name,
                args,
                ALARM_UNHEALTHY_TARGETS,
                Severity.TICKET,
                f"{who}: at least one gateway replica failed its health checks for 5 "
                "consecutive minutes.",
                unhealthy_watch(alb),
            ),
        }
        self.register_outputs({"metric_alarms": {k: a.name for k, a in self.metric_alarms.items()}})

    def _alarm(
        self,
        name: str,
        args: FleetAlarmsArgs,
        kind: str,
        severity: Severity,
        text: str,
        watch: aws.cloudwatch.MetricAlarmArgs,
    ) -> aws.cloudwatch.MetricAlarm:
        actions = args.routing.actions(severity)
        watch.name = args.alarm_name(kind)
        watch.alarm_description = f"{text} Runbook: {runbook_of(kind)}"
        watch.actions_enabled = True
        watch.alarm_actions = actions
        watch.ok_actions = actions
        watch.tags = {
            **args.tags,
            ALARM_KIND: kind,
            ALARM_SEVERITY: severity.value,
            RUNBOOK: runbook_of(kind),
        }
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{kind}", watch, opts=pulumi.ResourceOptions(parent=self)
        )
