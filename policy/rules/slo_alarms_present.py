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
from ..kubernetes_views import labels_of
from ..reads import as_number, get, is_unknown, items
from ..resource_types import ALARMS, METRIC_ALARM
from ..rule_config import config_with_defaults
from ..slo_declared import TOLERANCE, DeclaredSlo, declared_slo, differs, server_deployments

SCHEMA = PolicyConfigSchema(
    properties={
        "requireAlarmActions": {
            "type": "boolean",
            "default": False,
            "description": "Require SLO alarms to notify someone (alarmActions); staging/prod.",
        },
        "latencyMetric": {
            "type": "string",
            "default": "TargetResponseTime",
            "description": "The metric a latency-p95 alarm watches (ALB, seconds).",
        },
        "availabilityKinds": {
            "type": "array",
            "items": {"type": "string"},
            "default": [contract.ALARM_ERROR_RATE_5XX, "tool-success", "burn-rate-*"],
            "description": "mcp-fleet.io/alarm-kind values (globs) that watch the success SLO.",
        },
    }
)

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
    deployment: PolicyResource,
    declared: DeclaredSlo,
    alarms: list[TaggedAlarm],
    metric: str,
    report: ReportViolation,
    notifies: Notifies,
) -> None:
    if declared.p95_ms is None:
        return
    server = declared.server
    latency = [
        alarm
        for alarm, tags in alarms
        if alarm.resource_type == METRIC_ALARM
        and tags.get(contract.ALARM_KIND) == contract.ALARM_LATENCY_P95
    ]
    expected = declared.p95_ms / 1000
    matching = [
        alarm
        for alarm in latency
        if _has_unknown_metric(alarm.props)
        or (
            _latency_metric_ok(alarm.props, metric)
            and abs((as_number(get(alarm.props, "threshold")) or -1) - expected) <= TOLERANCE
        )
    ]
    if not latency:
        report(
            f"server {server!r} declares p95 <= {declared.p95_ms:g} ms but has no "
            f"MetricAlarm tagged {contract.ALARM_KIND}={contract.ALARM_LATENCY_P95}",
            deployment.urn,
        )
    elif not matching:
        report(
            f"server {server!r}: no latency-p95 alarm watches {metric} p95 with threshold "
            f"{expected:g} s (its p95 SLO of {declared.p95_ms:g} ms)",
            latency[0].urn,
        )
    notifies(matching, server, "latency", deployment.urn)


def _check_availability(
    deployment: PolicyResource,
    declared: DeclaredSlo,
    alarms: list[TaggedAlarm],
    patterns: list[str],
    report: ReportViolation,
    notifies: Notifies,
) -> None:
    if declared.success_rate is None:
        return
    server = declared.server
    availability: list[PolicyResource] = []
    for alarm, tags in alarms:
        kind = tags.get(contract.ALARM_KIND)
        if not isinstance(kind, str) or not any(fnmatch.fnmatchcase(kind, p) for p in patterns):
            continue
        tagged = as_number(tags.get(contract.SLO_SUCCESS_RATE))
        if differs(tagged, declared.success_rate):
            report(
                f"alarm {alarm.name!r} enforces success {tagged:g}% but server "
                f"{server!r} declares {declared.success_rate:g}%",
                alarm.urn,
            )
        else:
            availability.append(alarm)
    if not availability:
        report(
            f"server {server!r} declares tool success >= {declared.success_rate:g}% but "
            f"has no alarm of kind {', '.join(patterns)} enforcing it",
            deployment.urn,
        )
    notifies(availability, server, "availability", deployment.urn)


def _check(args: StackValidationArgs, report: ReportViolation) -> None:
    config = config_with_defaults(args, SCHEMA)
    metric = str(config.get("latencyMetric") or "TargetResponseTime")
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

    for server, deployment in server_deployments(resources).items():
        declared = declared_slo(deployment, labels_of(deployment.props))
        if declared is None:
            continue
        alarms = alarms_by_server.get(server, [])
        _check_latency(deployment, declared, alarms, metric, report, notifies)
        _check_availability(deployment, declared, alarms, patterns, report, notifies)


slo_alarms_present = StackValidationPolicy(
    name="slo-alarms-present",
    description=(
        "Every server that declares an SLO has CloudWatch alarms enforcing it: a latency-p95 "
        "alarm on TargetResponseTime p95 at the declared threshold and an availability alarm, "
        "and at least one alarm of each that notifies someone where the stage requires it."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=SCHEMA,
    severity=Severity.MEDIUM,
)
