"""rollout-progressive: a Deployment with its Rollout and templates, or without."""

from __future__ import annotations

from typing import Any

import pytest

from policy.resource_types import ANALYSIS_TEMPLATE, DEPLOYMENT, ROLLOUT
from policy.rules.rollout_progressive import rollout_progressive as policy
from tests.policy.harness import deployment, resource, stack_args, stack_config, violations
from tests.policy.rules.rollout_objects import objects

TYPES = {"Rollout": ROLLOUT, "AnalysisTemplate": ANALYSIS_TEMPLATE}


def the_deployment() -> dict[str, Any]:
    # Annotations are not this rule's concern; the name, namespace and labels are.
    return deployment({}, image="x", server="payments-tools", namespace="tenant-acme")


def judge(
    docs: dict[str, dict[str, Any]], stack: str = "prod", with_deployment: bool = True
) -> list[str]:
    resources = [resource(TYPES[key.split("/")[0]], doc, name=key) for key, doc in docs.items()]
    if with_deployment:
        resources.append(resource(DEPLOYMENT, the_deployment(), name="payments-tools"))
    return violations(policy, stack_args(resources, stack_config(stack, policy.name)))


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_a_deployment_with_its_planned_rollout_passes(stack: str) -> None:
    assert judge(objects("strict", stack), stack) == []


def test_a_deployment_without_a_rollout_is_a_violation_in_staging_and_prod() -> None:
    for stack in ("staging", "prod"):
        (message,) = judge({}, stack)
        assert "Deployment 'payments-tools' is rolled out by no Rollout" in message
    assert judge({}, "dev") == [], "dev may roll a Deployment by itself"


def test_a_rollout_without_analysis_is_a_violation() -> None:
    docs = objects("strict")
    canary = docs["Rollout/payments-tools"]["spec"]["strategy"]["canary"]
    del canary["analysis"]
    canary["steps"] = [s for s in canary["steps"] if "analysis" not in s]
    messages = judge(docs)
    assert messages == [
        "Rollout 'payments-tools' runs no background analysis (strategy.canary.analysis)",
        "Rollout 'payments-tools' has no analysis step: no batch is judged before the next",
    ]


def test_a_rollout_naming_a_missing_template_is_a_violation() -> None:
    docs = objects("strict")
    del docs["AnalysisTemplate/payments-tools-slo-gate"]
    (message,) = judge(docs)
    assert (
        "names AnalysisTemplate 'payments-tools-slo-gate', which is not in tenant-acme" in message
    )


def test_a_rollout_for_another_deployment_does_not_count() -> None:
    docs = objects("strict")
    docs["Rollout/payments-tools"]["spec"]["workloadRef"]["name"] = "other"
    (message,) = judge(docs)
    assert "rolled out by no Rollout" in message
