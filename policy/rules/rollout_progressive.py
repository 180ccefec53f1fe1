"""``rollout-progressive`` (stack): every server's Deployment is rolled out by an Argo Rollout.

Where the analysis must hold (staging, prod), a server's Deployment alone replaces pods on
probes only: a release that passes its probes and fails tool calls burns the error budget
until someone answers the page. So each Deployment carrying a server label must be taken
over by a Rollout (``workloadRef``) in its namespace, whose canary runs a background
analysis and an analysis step, every one naming an AnalysisTemplate that exists beside it
(``rollout-analysis-within-slo`` judges those templates' limits).
"""

from __future__ import annotations

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
from .. import kubernetes_views as k8s
from ..reads import get, is_true, is_unknown, items
from ..resource_types import ANALYSIS_TEMPLATE, DEPLOYMENT, ROLLOUT
from ..rule_config import config_with_defaults

SCHEMA = PolicyConfigSchema(
    properties={
        "requireRollout": {
            "type": "boolean",
            "default": True,
            "description": "Whether every server's Deployment must be rolled out by a Rollout "
            "with an analysis (staging, prod).",
        },
    }
)


def _template_names(references: Any) -> list[Any]:
    return [get(ref, "templateName") for ref in items(get(references, "templates"))]


def _analysis_problems(rollout: PolicyResource, templates: set[tuple[Any, Any]]) -> list[str]:
    canary = get(rollout.props, "spec", "strategy", "canary")
    if is_unknown(canary):
        return []
    if canary is None:
        return ["has no canary strategy: nothing measures the release"]
    problems: list[str] = []
    background = _template_names(get(canary, "analysis"))
    gates = [
        name
        for step in items(get(canary, "steps"))
        if get(step, "analysis") is not None
        for name in _template_names(get(step, "analysis"))
    ]
    if not background:
        problems.append("runs no background analysis (strategy.canary.analysis)")
    if not gates:
        problems.append("has no analysis step: no batch is judged before the next")
    namespace = k8s.namespace_of(rollout.props)
    for name in sorted({str(n) for n in (*background, *gates) if not is_unknown(n)}):
        if not is_unknown(namespace) and (namespace, name) not in templates:
            problems.append(f"names AnalysisTemplate {name!r}, which is not in {namespace}")
    return problems


def _taken_over(rollout: PolicyResource) -> tuple[Any, Any] | None:
    ref = get(rollout.props, "spec", "workloadRef")
    if ref is None or is_unknown(ref) or get(ref, "kind") != "Deployment":
        return None
    return k8s.namespace_of(rollout.props), get(ref, "name")


def _check(args: StackValidationArgs, report: ReportViolation) -> None:
    if not is_true(config_with_defaults(args, SCHEMA).get("requireRollout")):
        return
    resources = list(args.resources)
    templates = {
        (k8s.namespace_of(r.props), k8s.name_of(r.props, r.name))
        for r in resources
        if r.resource_type == ANALYSIS_TEMPLATE
    }
    rollouts = {
        target: rollout
        for rollout in resources
        if rollout.resource_type == ROLLOUT and (target := _taken_over(rollout)) is not None
    }
    for deployment in resources:
        if deployment.resource_type != DEPLOYMENT:
            continue
        labels = k8s.labels_of(deployment.props)
        if not labels.get(contract.SERVER) or is_unknown(get(deployment.props, "metadata")):
            continue
        if labels.get(contract.TENANT) == contract.SHARED_TENANT:
            # A platform workload (the gateway), not a tenant's server: catalog-approved-image
            # admits the shared tenant only for an entry signed for it.
            continue
        name = k8s.name_of(deployment.props, deployment.name)
        rollout = rollouts.get((k8s.namespace_of(deployment.props), name))
        if rollout is None:
            report(
                f"Deployment {name!r} is rolled out by no Rollout (workloadRef): a release "
                "is never measured against its SLO nor rolled back by itself",
                deployment.urn,
            )
            continue
        for problem in _analysis_problems(rollout, templates):
            report(f"Rollout {k8s.name_of(rollout.props, rollout.name)!r} {problem}", rollout.urn)


rollout_progressive = StackValidationPolicy(
    name="rollout-progressive",
    description="Every server's Deployment is rolled out by a Rollout with an SLO analysis.",
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.HIGH,
)
