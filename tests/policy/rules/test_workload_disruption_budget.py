"""workload-disruption-budget: a Deployment and the budgets that may cover it."""

from __future__ import annotations

from typing import Any

import pytest

from policy.rules.workload_disruption_budget import workload_disruption_budget
from tests.policy.harness import (
    deployment,
    resource,
    stack_args,
    violations,
)

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"


def budget(namespace: str = "mcp-storefront", selector: Any = None, **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "github", "namespace": namespace},
        "spec": {
            "selector": {
                "matchLabels": selector
                or {"app.kubernetes.io/name": "github", "mcp-fleet.io/server": "github"}
            },
            **(spec or {"maxUnavailable": "25%"}),
        },
    }


def test_a_deployment_covered_by_a_pdb_passes() -> None:
    resources = [
        resource(DEPLOYMENT, deployment(), name="github"),
        resource(PDB, budget(), name="github-pdb"),
    ]
    assert violations(workload_disruption_budget, stack_args(resources)) == []


@pytest.mark.parametrize(
    "pdb",
    [
        None,
        budget(namespace="mcp-research"),
        budget(selector={"app.kubernetes.io/name": "jira"}),
    ],
)
def test_a_deployment_without_a_matching_pdb_fails(pdb: dict[str, Any] | None) -> None:
    resources = [resource(DEPLOYMENT, deployment(), name="github")]
    if pdb is not None:
        resources.append(resource(PDB, pdb, name="github-pdb"))
    [message] = violations(workload_disruption_budget, stack_args(resources))
    assert message.startswith("Deployment 'github' has no PodDisruptionBudget selecting its pods")


def test_a_pdb_must_limit_something() -> None:
    empty = budget()
    empty["spec"] = {"selector": empty["spec"]["selector"]}
    resources = [
        resource(DEPLOYMENT, deployment(), name="github"),
        resource(PDB, empty, name="github-pdb"),
    ]
    assert violations(workload_disruption_budget, stack_args(resources)) == [
        "PodDisruptionBudget 'github' sets neither minAvailable nor maxUnavailable"
    ]
