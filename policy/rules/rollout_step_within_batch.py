"""``rollout-step-within-batch``: no Rollout step moves more replicas at once than the batch.

The operate guide replaces a quarter of the instances at a time. A canary ``setWeight`` that
jumps further than the fleet's batch, or a ``maxSurge``/``maxUnavailable`` above it, replaces
more at once than a failed analysis can take back cheaply.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from .. import kubernetes_views as k8s
from ..reads import as_number, get, is_unknown, items, percent_of
from ..resource_types import ROLLOUT
from ..rule_config import config_with_defaults

SCHEMA = PolicyConfigSchema(
    properties={
        "maxRolloutPercent": {
            "type": "number",
            "default": 25,
            "description": "The fleet's rollout batch: the largest step, maxSurge and "
            "maxUnavailable of a Rollout, percent of replicas.",
        },
    }
)


def _step_problems(canary: object, limit: float) -> list[str]:
    problems: list[str] = []
    previous = 0.0
    for index, step in enumerate(items(get(canary, "steps"))):
        weight = get(step, "setWeight")
        if weight is None or is_unknown(weight):
            continue
        value = as_number(weight)
        if value is None:
            continue
        if value - previous > limit:
            problems.append(
                f"steps[{index}] sets the weight from {previous:g} % to {value:g} %, a step of "
                f"{value - previous:g} %; the fleet's batch is {limit:g} %: add steps"
            )
        previous = value
    return problems


def _bound_problems(canary: object, replicas: float | None, limit: float) -> list[str]:
    problems: list[str] = []
    for key in ("maxSurge", "maxUnavailable"):
        value = get(canary, key)
        if value is None or is_unknown(value):
            continue
        share = percent_of(value, replicas)
        if share is not None and share > limit:
            shown = value if isinstance(value, str) else f"{as_number(value):g} pods"
            problems.append(f"{key} {shown} is above the fleet's batch of {limit:g} %")
    return problems


def _check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != ROLLOUT:
        return
    canary = get(args.props, "spec", "strategy", "canary")
    if canary is None or is_unknown(canary):
        return
    limit = as_number(config_with_defaults(args, SCHEMA).get("maxRolloutPercent")) or 25
    replicas = as_number(get(args.props, "spec", "replicas"))
    name = k8s.name_of(args.props, args.name)
    for problem in (*_step_problems(canary, limit), *_bound_problems(canary, replicas, limit)):
        report(f"Rollout {name!r}: {problem}", None)


rollout_step_within_batch = ResourceValidationPolicy(
    name="rollout-step-within-batch",
    description="No Rollout step, maxSurge or maxUnavailable exceeds the fleet's rollout batch.",
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.MEDIUM,
)
