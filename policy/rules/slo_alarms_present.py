"""``slo-alarms-present``: every SLO a server declares is watched by an alarm that notifies."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .. import contract
from ..aws_views import tags_of
from ..reads import as_number, get, is_unknown, items
from ..resource_types import ALARMS, METRIC_ALARM
from ..rule_config import config_with_defaults
from ..slo_declared import TOLERANCE, differs
from .slo_watched_servers import (
    GATEWAY_NAMESPACE_PREFIX,
    WatchedServer,
    reads_gateway,
    watched_servers,
)

SCHEMA = PolicyConfigSchema(
    properties={
        "requireAlarmActions": {
            "type": "boolean",
            "default": False,
            "description": "Require SLO alarms to notify someone (alarmActions); staging/prod.",
        },
        "latencyMetric": {
            "type": "string",
            "default": "Latency",
            "description": "The metric a latency-p95 alarm watches: the gateway's Latency "
            "(milliseconds, per Tenant and Server); TargetResponseTime is the ALB's (seconds).",
        },
        "availabilityKinds": {
            "type": "array",
            "items": {"type": "string"},
            "default": [contract.ALARM_ERROR_RATE_5XX, "tool-success", "burn-rate-*"],
            "description": "mcp-fleet.io/alarm-kind values (globs) that watch the success SLO.",
        },
    }
)

ALB_LATENCY_METRIC = "TargetResponseTime"
"""The load balancer's latency, in seconds; every other latency metric is in milliseconds."""

TaggedAlarm = tuple[PolicyResource, dict[str, Any]]
Notifies = Callable[[list[PolicyResource], str, str, str], None]


def _latency_metric_ok(alarm: Any, metric: str) -> bool:
    if get(alarm, "metricName") == metric and get(alarm, "extendedStatistic") == "p95":
        return True
    return any(
        get(query, "metric", "metricName") == metric and get(query, "metric", "stat") == "p95"
        for query in items(get(alarm, "metricQueries"))
    )


def _has_unknown_metric(alarm: Any) -> bool:
    return any(
        is_unknown(get(alarm, key))
        for key in ("metricName", "extendedStatistic", "metricQueries", "threshold")
    )


def _has_actions(alarm: PolicyResource) -> bool | None:
    """Does the alarm notify anyone? None when that isn't known yet (preview)."""
    actions = get(alarm.props, "alarmActions")
    listed = list(items(actions))
    if is_unknown(actions) or any(is_unknown(a) for a in listed):
        return None
    return any(listed)


def _alarms_by_server(resources: list[PolicyResource]) -> dict[str, list[TaggedAlarm]]:
    found: dict[str, list[TaggedAlarm]] = {}
    for resource in resources:
        if resource.resource_type not in ALARMS:
            continue
        tags = tags_of(resource.props, resource.provider)
        server = tags.get(contract.SERVER)
        if isinstance(server, str):
            found.setdefault(server, []).append((resource, tags))
    return found


def _check_latency(
    watched: WatchedServer,
    alarms: list[TaggedAlarm],
    metric: str,
    report: ReportViolation,
    notifies: Notifies,
) -> None:
    if watched.p95_ms is None and not watched.remote:
        return
    server = watched.server
    latency = [
        alarm
        for alarm, tags in alarms
        if alarm.resource_type == METRIC_ALARM
        and tags.get(contract.ALARM_KIND) == contract.ALARM_LATENCY_P95
    ]
    seconds = metric == ALB_LATENCY_METRIC
    expected = None if watched.p95_ms is None else watched.p95_ms / (1000 if seconds else 1)
    matching = [alarm for alarm in latency if _latency_matches(alarm.props, watched, metric)]
    if not latency:
        report(
            f"server {server!r} {_promise(watched, 'p95')} but has no MetricAlarm tagged "
            f"{contract.ALARM_KIND}={contract.ALARM_LATENCY_P95}",
            watched.urn,
        )
    elif not matching:
        threshold = (
            "" if expected is None else f" with threshold {expected:g} {'s' if seconds else 'ms'}"
        )
        where = "" if seconds else f" at the gateway (Server={server})"
        report(
            f"server {server!r}: no latency-p95 alarm watches {metric} p95{where}{threshold} "
            f"({_promise(watched, 'p95')})",
            latency[0].urn,
        )
    notifies(matching, server, "latency", watched.urn)


def _latency_matches(alarm: Any, watched: WatchedServer, metric: str) -> bool:
    """The alarm watches ``metric`` p95 of this server at its objective (unknowns pass)."""
    if _has_unknown_metric(alarm):
        return True
    if not _latency_metric_ok(alarm, metric):
        return False
    if metric != ALB_LATENCY_METRIC and reads_gateway(alarm, watched.server) is False:
        return False
    if watched.p95_ms is None:
        return True
    expected = watched.p95_ms / (1000 if metric == ALB_LATENCY_METRIC else 1)
    return abs((as_number(get(alarm, "threshold")) or -1) - expected) <= TOLERANCE


def _promise(watched: WatchedServer, objective: str) -> str:
    """What the server declares, in words: its SLO, or its SLA for a remote server."""
    kind = "its SLA" if watched.remote else "its SLO"
    if objective == "p95":
        value = "?" if watched.p95_ms is None else f"{watched.p95_ms:g} ms"
        return (
            f"declares p95 <= {value}" if not watched.remote else f"is remote ({kind} p95 {value})"
        )
    value = "?" if watched.success_rate is None else f"{watched.success_rate:g}%"
    return (
        f"declares tool success >= {value}"
        if not watched.remote
        else f"is remote ({kind} availability {value})"
    )


def _check_availability(
    watched: WatchedServer,
    alarms: list[TaggedAlarm],
    patterns: list[str],
    report: ReportViolation,
    notifies: Notifies,
) -> None:
    if watched.success_rate is None and not watched.remote:
        return
    server = watched.server
    availability: list[PolicyResource] = []
    for alarm, tags in alarms:
        kind = tags.get(contract.ALARM_KIND)
        if not isinstance(kind, str) or not any(fnmatch.fnmatchcase(kind, p) for p in patterns):
            continue
        tagged = as_number(tags.get(contract.SLO_SUCCESS_RATE))
        if differs(tagged, watched.success_rate):
            report(
                f"alarm {alarm.name!r} enforces success {tagged:g}% but server "
                f"{server!r} {'promises' if watched.remote else 'declares'} "
                f"{watched.success_rate:g}%",
                alarm.urn,
            )
        else:
            availability.append(alarm)
    measured = [
        alarm
        for alarm in availability
        if alarm.resource_type == METRIC_ALARM and reads_gateway(alarm.props, server) is not False
    ]
    if not availability:
        report(
            f"server {server!r} {_promise(watched, 'success')} but has no alarm of kind "
            f"{', '.join(patterns)} enforcing it",
            watched.urn,
        )
    elif not measured:
        report(
            f"server {server!r}: no alarm of kind {', '.join(patterns)} reads its tool success "
            f"at the gateway ({GATEWAY_NAMESPACE_PREFIX}<env>, Server={server}); the load "
            "balancer only sees the gateway",
            availability[0].urn,
        )
    notifies(availability, server, "availability", watched.urn)


def _check(args: StackValidationArgs, report: ReportViolation) -> None:
    config = config_with_defaults(args, SCHEMA)
    metric = str(config.get("latencyMetric") or "Latency")
    patterns = [str(item) for item in config.get("availabilityKinds") or []]
    require_actions = bool(config.get("requireAlarmActions"))
    resources = list(args.resources)
    alarms_by_server = _alarms_by_server(resources)

    def notifies(alarms: list[PolicyResource], server: str, what: str, urn: str) -> None:
        verdicts = [_has_actions(alarm) for alarm in alarms]
        if require_actions and alarms and True not in verdicts and None not in verdicts:
            report(
                f"no {what} alarm of server {server!r} has alarmActions: in this stage an SLO "
                "breach must page or ticket someone",
                urn,
            )

    for watched in watched_servers(resources):
        alarms = alarms_by_server.get(watched.server, [])
        _check_latency(watched, alarms, metric, report, notifies)
        _check_availability(watched, alarms, patterns, report, notifies)


slo_alarms_present = StackValidationPolicy(
    name="slo-alarms-present",
    description=(
        "Every server that declares an SLO, and every remote server the gateway routes to (held "
        "to its signed SLA), has CloudWatch alarms enforcing it measured at the gateway: a "
        "latency-p95 alarm on the gateway's Latency p95 of that server at the declared threshold "
        "and an availability alarm reading its tool success at the gateway, "
        "and at least one alarm of each that notifies someone where the stage requires it."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=SCHEMA,
    severity=Severity.MEDIUM,
)
