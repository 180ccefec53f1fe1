"""SLO policies: every resource says whose it is and what it promises; promises are monitored.

The tag/label keys are the ones ``components/labels.py`` builds (copied into
``resource_views``: the pack can't import the program). AWS tags and Kubernetes labels use
the same keys, so one check covers both.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

try:
    from . import resource_views as views
except ImportError:  # run by the Pulumi CLI: the pack directory itself is on sys.path
    import resource_views as views  # type: ignore[no-redef]

TIERS = ("tier-1", "tier-2", "tier-3")
TOLERANCE = 1e-6


def _identity(resource_type: str, props: Any, provider: Any) -> dict[str, Any] | None:
    """The labels/tags of a resource these policies govern; None for any other resource."""
    if resource_type.startswith("kubernetes:"):
        if resource_type not in views.KUBERNETES_WORKLOADS:
            return None
        labels = views.get(props, "metadata", "labels")
        if views.is_unknown(labels):
            return {key: views.UNKNOWN for key in views.REQUIRED_KEYS}
        return views.labels_of(props)
    if views.is_taggable_aws(resource_type, props):
        return views.tags_of(props, provider)
    return None


# --- slo-tags-present -------------------------------------------------------------------------

TAGS_SCHEMA = PolicyConfigSchema(
    properties={
        "stage": {
            "type": "string",
            "enum": ["", *views.STAGES],
            "default": "",
            "description": "This stack's stage; when set, mcp-fleet.io/environment must equal it.",
        },
    }
)


def _check_tags(args: ResourceValidationArgs, report: ReportViolation) -> None:
    identity = _identity(args.resource_type, args.props, args.provider)
    if identity is None:
        return
    config = views.config_with_defaults(args, TAGS_SCHEMA)
    what = "label" if args.resource_type.startswith("kubernetes:") else "tag"
    missing = [
        key
        for key in views.REQUIRED_KEYS
        if not views.is_unknown(identity.get(key)) and not str(identity.get(key) or "").strip()
    ]
    if missing:
        report(
            f"missing {what}s: {', '.join(missing)}; build them with components/labels.py "
            "(standard_tags / kubernetes_labels)",
            None,
        )

    def known(key: str) -> Any:
        value = identity.get(key)
        return None if views.is_unknown(value) or value in (None, "") else value

    success = known(views.SLO_SUCCESS_RATE)
    if success is not None:
        number = views.as_number(success)
        if number is None or not 0 < number < 100:
            report(f"{views.SLO_SUCCESS_RATE}={success!r} is not a percentage below 100", None)
    p95 = known(views.SLO_P95_MS)
    if p95 is not None:
        number = views.as_number(p95)
        if number is None or number <= 0 or number != int(number):
            report(f"{views.SLO_P95_MS}={p95!r} is not a whole number of milliseconds", None)
    tier = known(views.TIER)
    if tier is not None and tier not in TIERS:
        report(f"{views.TIER}={tier!r} is not one of {', '.join(TIERS)}", None)
    environment = known(views.ENVIRONMENT)
    stage = config.get("stage")
    if environment is not None and environment not in views.STAGES:
        report(f"{views.ENVIRONMENT}={environment!r} is not one of {', '.join(views.STAGES)}", None)
    elif environment is not None and stage and environment != stage:
        report(f"{views.ENVIRONMENT}={environment!r} but this stack is {stage!r}", None)


slo_tags_present = ResourceValidationPolicy(
    name="slo-tags-present",
    description=(
        "Every taggable AWS resource and every Kubernetes workload object carries the standard "
        "tags/labels: environment, server, tenant, owner, tier and its SLO targets."
    ),
    validate=_check_tags,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=TAGS_SCHEMA,
    severity=Severity.MEDIUM,
    remediation_steps=(
        "Pass tags=standard_tags(settings, server) (AWS) or "
        "labels=kubernetes_labels(settings, server) (Kubernetes) from components/labels.py."
    ),
)


# --- slo-within-baseline ----------------------------------------------------------------------

BASELINE_SCHEMA = PolicyConfigSchema(
    properties={
        **views.TRUST_SCHEMA,
        "minSuccessRate": {
            "type": "number",
            "default": 99.0,
            "description": "Lowest tool success rate (percent) allowed without an exception.",
        },
        "maxP95Ms": {
            "type": "number",
            "default": 400,
            "description": "Highest p95 latency (ms) allowed without an exception.",
        },
        "now": {
            "type": "string",
            "default": "",
            "description": "ISO date to judge exception expiry at (reviews, tests); empty: today.",
        },
    }
)


@dataclass(frozen=True)
class DeclaredSlo:
    server: str
    success_rate: float | None
    p95_ms: float | None
    urn: str


def _declared(resource: PolicyResource, identity: Mapping[str, Any]) -> DeclaredSlo | None:
    server = identity.get(views.SERVER)
    if not isinstance(server, str) or not server:
        return None
    success = views.as_number(identity.get(views.SLO_SUCCESS_RATE))
    p95 = views.as_number(identity.get(views.SLO_P95_MS))
    if success is None and p95 is None:
        return None
    return DeclaredSlo(server, success, p95, resource.urn)


def _server_deployments(resources: list[PolicyResource]) -> dict[str, PolicyResource]:
    found: dict[str, PolicyResource] = {}
    for resource in resources:
        if resource.resource_type == views.DEPLOYMENT:
            server = views.labels_of(resource.props).get(views.SERVER)
            if isinstance(server, str) and server and server != views.FLEET_SERVER:
                found.setdefault(server, resource)
    return found


def _n(value: float | None) -> str:
    """A number as people write it: 99.5, 400 (not 400.0); '?' when not declared."""
    return "?" if value is None else f"{value:g}"


def _differs(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) > TOLERANCE


def _check_baseline(args: StackValidationArgs, report: ReportViolation) -> None:
    config = views.config_with_defaults(args, BASELINE_SCHEMA)
    min_success = views.as_number(config.get("minSuccessRate"))
    max_p95 = views.as_number(config.get("maxP95Ms"))
    today = views.today(config)
    resources = list(args.resources)

    deployments = _server_deployments(resources)
    entries: dict[str, dict[str, Any]] = {}
    for server, deployment in deployments.items():
        evidence = views.catalog_evidence(deployment.props, config)
        if evidence.entry is not None:
            entries[server] = evidence.entry

    declared_by_server: dict[str, DeclaredSlo] = {}
    for server, deployment in deployments.items():
        declared = _declared(deployment, views.labels_of(deployment.props))
        if declared is not None:
            declared_by_server[server] = declared

    for resource in resources:
        identity = _identity(resource.resource_type, resource.props, resource.provider)
        if identity is None:
            continue
        declared = _declared(resource, identity)
        if declared is None:
            continue
        entry = entries.get(declared.server) or {}
        raw_slo = entry.get("slo")
        slo: Mapping[str, Any] = raw_slo if isinstance(raw_slo, Mapping) else {}

        # The Deployment's labels state the signed entry's SLO; other resources state the same.
        if resource.resource_type == views.DEPLOYMENT and entry:
            signed_success = views.as_number(slo.get("toolSuccessRate"))
            signed_p95 = views.as_number(slo.get("p95LatencyMs"))
            if _differs(declared.success_rate, signed_success) or _differs(
                declared.p95_ms, signed_p95
            ):
                report(
                    f"server {declared.server!r} is labelled success {_n(declared.success_rate)}% / "
                    f"p95 {_n(declared.p95_ms)} ms but its signed catalog entry declares "
                    f"{_n(signed_success)}% / {_n(signed_p95)} ms",
                    resource.urn,
                )
        reference = declared_by_server.get(declared.server)
        if (
            reference is not None
            and reference.urn != declared.urn
            and (
                _differs(declared.success_rate, reference.success_rate)
                or _differs(declared.p95_ms, reference.p95_ms)
            )
        ):
            report(
                f"{resource.resource_type} {resource.name!r} is tagged with SLO "
                f"{_n(declared.success_rate)}% / {_n(declared.p95_ms)} ms but server "
                f"{declared.server!r} declares {_n(reference.success_rate)}% / {_n(reference.p95_ms)} ms",
                resource.urn,
            )

        too_low = (
            declared.success_rate is not None
            and min_success is not None
            and declared.success_rate < min_success - TOLERANCE
        )
        too_slow = (
            declared.p95_ms is not None
            and max_p95 is not None
            and declared.p95_ms > max_p95 + TOLERANCE
        )
        if not too_low and not too_slow:
            continue
        exception = slo.get("exception") if isinstance(slo.get("exception"), Mapping) else None
        expires = views.parse_date(exception.get("expires")) if exception else None
        breach = (
            f"{resource.resource_type} {resource.name!r} of server {declared.server!r} declares "
            f"success {_n(declared.success_rate)}% / p95 {_n(declared.p95_ms)} ms, outside the "
            f"baseline (>= {_n(min_success)}%, <= {_n(max_p95)} ms)"
        )
        if exception is None:
            report(
                f"{breach}; that needs an approved slo.exception in the server's signed "
                "catalog entry",
                resource.urn,
            )
        elif expires is None or expires < today:
            report(
                f"{breach}; its SLO exception expired on {exception.get('expires')}", resource.urn
            )


slo_within_baseline = StackValidationPolicy(
    name="slo-within-baseline",
    description=(
        "Declared SLOs meet the fleet baseline (tool success >= 99.0 %, p95 <= 400 ms) unless "
        "the server's signed catalog entry carries an unexpired slo.exception, and every "
        "resource of a server states the same SLO as its signed entry."
    ),
    validate=_check_baseline,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=BASELINE_SCHEMA,
    severity=Severity.HIGH,
)


# --- slo-alarms-present -----------------------------------------------------------------------

ALARMS_SCHEMA = PolicyConfigSchema(
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
            "default": ["error-rate-5xx", "tool-success", "burn-rate-*"],
            "description": "mcp-fleet.io/alarm-kind values (globs) that watch the success SLO.",
        },
    }
)


def _latency_metric_ok(alarm: Any, metric: str) -> bool:
    if views.get(alarm, "metricName") == metric and views.get(alarm, "extendedStatistic") == "p95":
        return True
    for query in views.items(views.get(alarm, "metricQueries")):
        if (
            views.get(query, "metric", "metricName") == metric
            and views.get(query, "metric", "stat") == "p95"
        ):
            return True
    return False


def _has_unknown_metric(alarm: Any) -> bool:
    return any(
        views.is_unknown(views.get(alarm, key))
        for key in ("metricName", "extendedStatistic", "metricQueries", "threshold")
    )


def _has_actions(alarm: PolicyResource) -> bool | None:
    """Does the alarm notify anyone? None when that isn't known yet (preview)."""
    actions = views.get(alarm.props, "alarmActions")
    listed = list(views.items(actions))
    if views.is_unknown(actions) or any(views.is_unknown(a) for a in listed):
        return None
    return any(listed)


def _check_alarms(args: StackValidationArgs, report: ReportViolation) -> None:
    config = views.config_with_defaults(args, ALARMS_SCHEMA)
    metric = str(config.get("latencyMetric") or "TargetResponseTime")
    patterns = [str(item) for item in config.get("availabilityKinds") or []]
    require_actions = bool(config.get("requireAlarmActions"))
    resources = list(args.resources)

    alarms_by_server: dict[str, list[tuple[PolicyResource, dict[str, Any]]]] = {}
    for resource in resources:
        if resource.resource_type not in (views.METRIC_ALARM, views.COMPOSITE_ALARM):
            continue
        tags = views.tags_of(resource.props, resource.provider)
        server = tags.get(views.SERVER)
        if isinstance(server, str):
            alarms_by_server.setdefault(server, []).append((resource, tags))

    def notifies(alarms: list[PolicyResource], server: str, what: str, urn: str) -> None:
        verdicts = [_has_actions(alarm) for alarm in alarms]
        if require_actions and alarms and True not in verdicts and None not in verdicts:
            report(
                f"no {what} alarm of server {server!r} has alarmActions: in this stage an SLO "
                "breach must page or ticket someone",
                urn,
            )

    for server, deployment in _server_deployments(resources).items():
        declared = _declared(deployment, views.labels_of(deployment.props))
        if declared is None:
            continue
        alarms = alarms_by_server.get(server, [])

        if declared.p95_ms is not None:
            latency = [
                alarm
                for alarm, tags in alarms
                if alarm.resource_type == views.METRIC_ALARM
                and tags.get(views.ALARM_KIND) == "latency-p95"
            ]
            expected = declared.p95_ms / 1000
            matching = [
                alarm
                for alarm in latency
                if _has_unknown_metric(alarm.props)
                or (
                    _latency_metric_ok(alarm.props, metric)
                    and abs((views.as_number(views.get(alarm.props, "threshold")) or -1) - expected)
                    <= TOLERANCE
                )
            ]
            if not latency:
                report(
                    f"server {server!r} declares p95 <= {declared.p95_ms:g} ms but has no "
                    f"MetricAlarm tagged {views.ALARM_KIND}=latency-p95",
                    deployment.urn,
                )
            elif not matching:
                report(
                    f"server {server!r}: no latency-p95 alarm watches {metric} p95 with threshold "
                    f"{expected:g} s (its p95 SLO of {declared.p95_ms:g} ms)",
                    latency[0].urn,
                )
            notifies(matching, server, "latency", deployment.urn)

        if declared.success_rate is not None:
            availability: list[PolicyResource] = []
            for alarm, tags in alarms:
                kind = tags.get(views.ALARM_KIND)
                if not isinstance(kind, str) or not any(
                    fnmatch.fnmatchcase(kind, p) for p in patterns
                ):
                    continue
                tagged = views.as_number(tags.get(views.SLO_SUCCESS_RATE))
                if _differs(tagged, declared.success_rate):
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


slo_alarms_present = StackValidationPolicy(
    name="slo-alarms-present",
    description=(
        "Every server that declares an SLO has CloudWatch alarms enforcing it: a latency-p95 "
        "alarm on TargetResponseTime p95 at the declared threshold and an availability alarm, "
        "and at least one alarm of each that notifies someone where the stage requires it."
    ),
    validate=_check_alarms,
    enforcement_level=EnforcementLevel.ADVISORY,
    config_schema=ALARMS_SCHEMA,
    severity=Severity.MEDIUM,
)


POLICIES = [slo_tags_present, slo_within_baseline, slo_alarms_present]
