"""``workload-disruption-budget`` (stack): every Deployment's pods are covered by a PDB."""

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

from .. import kubernetes_views as k8s
from ..reads import get, is_unknown, string_map
from ..resource_types import DEPLOYMENT, POD_DISRUPTION_BUDGET

SCHEMA = PolicyConfigSchema(properties={})


def selects(pdb: PolicyResource, namespace: Any, pod_labels: Mapping[str, Any]) -> bool:
    """Does the budget select these pods? Unknown selectors and labels count as a match."""
    pdb_namespace = k8s.namespace_of(pdb.props)
    if not is_unknown(namespace) and not is_unknown(pdb_namespace) and namespace != pdb_namespace:
        return False
    selector = get(pdb.props, "spec", "selector", "matchLabels")
    if is_unknown(selector):
        return True
    wanted = string_map(selector)
    if not wanted:
        return False
    return all(
        is_unknown(value) or is_unknown(pod_labels.get(key)) or pod_labels.get(key) == value
        for key, value in wanted.items()
    )


def _check_budget(pdb: PolicyResource, report: ReportViolation) -> None:
    spec = get(pdb.props, "spec")
    if is_unknown(spec):
        return
    if get(spec, "minAvailable") is None and get(spec, "maxUnavailable") is None:
        report(
            f"PodDisruptionBudget {k8s.name_of(pdb.props, pdb.name)!r} sets neither "
            "minAvailable nor maxUnavailable",
            pdb.urn,
        )


def _check(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = list(args.resources)
    budgets = [r for r in resources if r.resource_type == POD_DISRUPTION_BUDGET]
    for deployment in resources:
        if deployment.resource_type != DEPLOYMENT:
            continue
        namespace = k8s.namespace_of(deployment.props)
        pod_labels = k8s.pod_labels_of(deployment.resource_type, deployment.props)
        covering = [pdb for pdb in budgets if selects(pdb, namespace, pod_labels)]
        if not covering:
            report(
                f"Deployment {k8s.name_of(deployment.props, deployment.name)!r} has no "
                "PodDisruptionBudget selecting its pods: node drains could stop them all",
                deployment.urn,
            )
        for pdb in covering:
            _check_budget(pdb, report)


workload_disruption_budget = StackValidationPolicy(
    name="workload-disruption-budget",
    description="Every Deployment's pods are covered by a PodDisruptionBudget in its namespace.",
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.MEDIUM,
)
