"""``rollout-analysis-within-slo``: a rollout's analysis is no looser than its server's SLO.

An AnalysisTemplate carries its server's labels, so its SLO tags name the target it must
hold the release to: the error-ratio checks to the error budget (1x burn), the p95 check to
the SLO's p95, the background fast-burn check to the fast page tier's burn rate. A looser
limit, a check that cannot be read or has a name the SLO sets no limit for, a ``failureLimit`` above 0 or, where the analysis must
abort, a dry run, would let a release spend more of the budget than the SLO allows.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from .. import contract
from .. import kubernetes_views as k8s
from ..analysis_conditions import limit_of
from ..reads import as_number, get, is_true, is_unknown, items
from ..resource_types import ANALYSIS_TEMPLATE
from ..rule_config import config_with_defaults

RATIO_CHECKS = ("tool-error-ratio", "server-5xx-ratio", "session-error-ratio")
LATENCY_CHECK = "tool-latency-p95"
FAST_BURN_CHECK = "fast-burn"
TOLERANCE = 1e-9

SCHEMA = PolicyConfigSchema(
    properties={
        "enforceAnalysis": {
            "type": "boolean",
            "default": True,
            "description": "Whether an analysis must be able to abort (no dryRun): staging, prod.",
        },
        "fastBurnRate": {
            "type": "number",
            "default": 14.4,
            "description": "The fast page tier's burn rate, the background check's limit "
            "in multiples of the error budget (components/slo_math.py).",
        },
    }
)


def _allowed(metric: str, rate: float, p95: float, fast_burn: float) -> float | None:
    budget = (100.0 - rate) / 100.0
    if metric in RATIO_CHECKS:
        return budget
    if metric == LATENCY_CHECK:
        return p95
    if metric == FAST_BURN_CHECK:
        return min(1.0, fast_burn * budget)
    return None


def _metric_problems(metric: Any, rate: float, p95: float, fast_burn: float) -> list[str]:
    name = get(metric, "name")
    condition = get(metric, "successCondition")
    if is_unknown(name) or is_unknown(condition):
        return []
    problems: list[str] = []
    failures = as_number(get(metric, "failureLimit"))
    if failures is not None and failures > 0:
        problems.append(f"metric {name!r} tolerates {failures:g} failed measurements; use 0")
    allowed = _allowed(str(name), rate, p95, fast_burn)
    if allowed is None:
        known = (*RATIO_CHECKS, LATENCY_CHECK, FAST_BURN_CHECK)
        problems.append(
            f"metric {name!r} is not a check the SLO defines a limit for; name it one of {known}"
        )
    limit = limit_of(condition)
    if limit is None:
        problems.append(
            f"metric {name!r} has successCondition {condition!r}, which cannot be judged "
            "against the SLO; use all(result[0].Values, {# <= LIMIT})"
        )
    elif allowed is not None and limit > allowed * (1 + TOLERANCE):
        problems.append(
            f"metric {name!r} passes up to {limit:g}, looser than the SLO allows ({allowed:g})"
        )
    return problems


def _slo(props: Any) -> tuple[float, float] | None:
    labels = k8s.labels_of(props)
    rate = as_number(labels.get(contract.SLO_SUCCESS_RATE))
    p95 = as_number(labels.get(contract.SLO_P95_MS))
    if rate is None or p95 is None or not 0 < rate < 100:
        return None
    return rate, p95


def _check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != ANALYSIS_TEMPLATE or is_unknown(get(args.props, "metadata")):
        return
    name = k8s.name_of(args.props, args.name)
    slo = _slo(args.props)
    if slo is None:
        report(
            f"AnalysisTemplate {name!r} carries no SLO tags ({contract.SLO_SUCCESS_RATE}, "
            f"{contract.SLO_P95_MS}): its checks cannot be tied to a server's SLO",
            None,
        )
        return
    config = config_with_defaults(args, SCHEMA)
    fast_burn = as_number(config.get("fastBurnRate")) or 14.4
    spec = get(args.props, "spec")
    if is_unknown(spec):
        return
    metrics = list(items(get(spec, "metrics")))
    if not metrics:
        report(f"AnalysisTemplate {name!r} has no metrics: it measures nothing", None)
    if is_true(config.get("enforceAnalysis")) and get(spec, "dryRun"):
        report(f"AnalysisTemplate {name!r} runs in dryRun: it can never abort a rollout", None)
    for metric in metrics:
        for problem in _metric_problems(metric, *slo, fast_burn):
            report(f"AnalysisTemplate {name!r}: {problem}", None)


rollout_analysis_within_slo = ResourceValidationPolicy(
    name="rollout-analysis-within-slo",
    description="Rollout analyses hold a release to its server's SLO, never looser.",
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.HIGH,
)
