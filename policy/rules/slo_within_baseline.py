"""``slo-within-baseline``: declared SLOs meet the fleet baseline or carry a signed exception."""

from __future__ import annotations

from collections.abc import Mapping
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

from ..catalog_evidence import catalog_evidence
from ..reads import as_number, parse_date
from ..resource_types import DEPLOYMENT
from ..rule_config import NOW_SCHEMA, config_with_defaults, today
from ..slo_declared import (
    TOLERANCE,
    DeclaredSlo,
    declared_by_server,
    declared_slo,
    differs,
    identity,
    number_text,
    server_deployments,
)
from ..trust import TRUST_SCHEMA

SCHEMA = PolicyConfigSchema(
    properties={
        **TRUST_SCHEMA,
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
        "now": NOW_SCHEMA,
    }
)


def _signed_entries(
    resources: list[PolicyResource], config: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Each server's verified catalog entry, from its Deployment's annotations."""
    entries: dict[str, dict[str, Any]] = {}
    for server, deployment in server_deployments(resources).items():
        evidence = catalog_evidence(deployment.props, config)
        if evidence.entry is not None:
            entries[server] = evidence.entry
    return entries


def _slo_of(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    raw = entry.get("slo")
    return raw if isinstance(raw, Mapping) else {}


def _check_consistency(
    resource: PolicyResource,
    declared: DeclaredSlo,
    entry: Mapping[str, Any],
    reference: DeclaredSlo | None,
    report: ReportViolation,
) -> None:
    """The Deployment states its signed entry's SLO; other resources state the same."""
    n = number_text
    if resource.resource_type == DEPLOYMENT and entry:
        slo = _slo_of(entry)
        signed_success = as_number(slo.get("toolSuccessRate"))
        signed_p95 = as_number(slo.get("p95LatencyMs"))
        if differs(declared.success_rate, signed_success) or differs(declared.p95_ms, signed_p95):
            report(
                f"server {declared.server!r} is labelled success {n(declared.success_rate)}% / "
                f"p95 {n(declared.p95_ms)} ms but its signed catalog entry declares "
                f"{n(signed_success)}% / {n(signed_p95)} ms",
                resource.urn,
            )
    if (
        reference is not None
        and reference.urn != declared.urn
        and (
            differs(declared.success_rate, reference.success_rate)
            or differs(declared.p95_ms, reference.p95_ms)
        )
    ):
        report(
            f"{resource.resource_type} {resource.name!r} is tagged with SLO "
            f"{n(declared.success_rate)}% / {n(declared.p95_ms)} ms but server "
            f"{declared.server!r} declares {n(reference.success_rate)}% / {n(reference.p95_ms)} ms",
            resource.urn,
        )


def _check_baseline(
    resource: PolicyResource,
    declared: DeclaredSlo,
    entry: Mapping[str, Any],
    config: Mapping[str, Any],
    report: ReportViolation,
) -> None:
    """Outside the baseline needs an unexpired ``slo.exception`` in the signed entry."""
    n = number_text
    min_success = as_number(config.get("minSuccessRate"))
    max_p95 = as_number(config.get("maxP95Ms"))
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
        return
    slo = _slo_of(entry)
    exception = slo.get("exception") if isinstance(slo.get("exception"), Mapping) else None
    breach = (
        f"{resource.resource_type} {resource.name!r} of server {declared.server!r} declares "
        f"success {n(declared.success_rate)}% / p95 {n(declared.p95_ms)} ms, outside the "
        f"baseline (>= {n(min_success)}%, <= {n(max_p95)} ms)"
    )
    if exception is None:
        report(
            f"{breach}; that needs an approved slo.exception in the server's signed catalog entry",
            resource.urn,
        )
        return
    expires = parse_date(exception.get("expires"))
    if expires is None or expires < today(config):
        report(f"{breach}; its SLO exception expired on {exception.get('expires')}", resource.urn)


def _check(args: StackValidationArgs, report: ReportViolation) -> None:
    config = config_with_defaults(args, SCHEMA)
    resources = list(args.resources)
    entries = _signed_entries(resources, config)
    by_server = declared_by_server(resources)
    for resource in resources:
        labels = identity(resource.resource_type, resource.props, resource.provider)
        declared = declared_slo(resource, labels) if labels is not None else None
        if declared is None:
            continue
        entry = entries.get(declared.server) or {}
        _check_consistency(resource, declared, entry, by_server.get(declared.server), report)
        _check_baseline(resource, declared, entry, config, report)


slo_within_baseline = StackValidationPolicy(
    name="slo-within-baseline",
    description=(
        "Declared SLOs meet the fleet baseline (tool success >= 99.0 %, p95 <= 400 ms) unless "
        "the server's signed catalog entry carries an unexpired slo.exception, and every "
        "resource of a server states the same SLO as its signed entry."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.HIGH,
)
