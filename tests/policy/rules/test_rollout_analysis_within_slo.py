"""rollout-analysis-within-slo: one AnalysisTemplate at a time, against its own SLO tags."""

from __future__ import annotations

from typing import Any

import pytest

from policy.analysis_conditions import limit_of
from policy.contract import SLO_SUCCESS_RATE
from policy.resource_types import ANALYSIS_TEMPLATE
from policy.rules.rollout_analysis_within_slo import rollout_analysis_within_slo as policy
from tests.policy.harness import resource_args, stack_config, violations
from tests.policy.rules.rollout_objects import objects


def template(kind: str = "strict", which: str = "slo-gate", stage: str = "prod") -> dict[str, Any]:
    (found,) = [
        doc
        for key, doc in objects(kind, stage).items()
        if key.startswith("AnalysisTemplate/") and key.endswith(which)
    ]
    return found


def judge(props: dict[str, Any], stack: str = "prod") -> list[str]:
    config = stack_config(stack, policy.name)
    return violations(policy, resource_args(ANALYSIS_TEMPLATE, props, config))


def metric(props: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [m for m in props["spec"]["metrics"] if m["name"] == name]
    return found


@pytest.mark.parametrize("kind", ["baseline", "strict", "stateful"])
@pytest.mark.parametrize("which", ["slo-gate", "slo-fast-burn"])
@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_planned_analyses_hold_exactly_to_the_slo(kind: str, which: str, stack: str) -> None:
    assert judge(template(kind, which, stack), stack) == []


def test_an_error_threshold_looser_than_the_budget_is_a_violation() -> None:
    props = template("strict")
    metric(props, "tool-error-ratio")["successCondition"] = "all(result[0].Values, {# <= 0.01})"
    assert judge(props) == [
        "AnalysisTemplate 'payments-tools-slo-gate': metric 'tool-error-ratio' passes up to "
        "0.01, looser than the SLO allows (0.001)"
    ]


def test_a_latency_threshold_looser_than_the_p95_is_a_violation() -> None:
    props = template("strict")
    metric(props, "tool-latency-p95")["successCondition"] = "all(result[0].Values, {# <= 400})"
    (message,) = judge(props)
    assert "'tool-latency-p95' passes up to 400, looser than the SLO allows (250)" in message


def test_a_fast_burn_above_the_page_tier_is_a_violation() -> None:
    props = template("strict", "slo-fast-burn")
    metric(props, "fast-burn")["successCondition"] = "all(result[0].Values, {# <= 0.05})"
    (message,) = judge(props)
    assert "passes up to 0.05, looser than the SLO allows (0.0144)" in message


def test_a_template_tagged_with_a_stricter_slo_than_its_limits_is_a_violation() -> None:
    props = template("baseline")
    props["metadata"]["labels"][SLO_SUCCESS_RATE] = "99.9"
    messages = judge(props)
    assert any("'tool-error-ratio' passes up to 0.01" in m for m in messages)


def test_an_unreadable_condition_tolerance_and_dry_run_are_violations() -> None:
    props = template("strict")
    metric(props, "tool-error-ratio")["successCondition"] = "result[0] < 1"
    metric(props, "tool-latency-p95")["failureLimit"] = 3
    props["spec"]["dryRun"] = [{"metricName": ".*"}]
    messages = judge(props)
    assert len(messages) == 3
    assert any("runs in dryRun: it can never abort" in m for m in messages)
    assert any("cannot be judged against the SLO" in m for m in messages)
    assert any("tolerates 3 failed measurements; use 0" in m for m in messages)
    dev = [m for m in judge(props, "dev") if "dryRun" in m]
    assert dev == [], "dev's analysis is a dry run by design"


def test_no_slo_tags_and_no_metrics_are_violations() -> None:
    props = template("strict")
    del props["metadata"]["labels"][SLO_SUCCESS_RATE]
    (message,) = judge(props)
    assert "carries no SLO tags" in message
    props = template("strict")
    props["spec"]["metrics"] = []
    assert judge(props) == [
        "AnalysisTemplate 'payments-tools-slo-gate' has no metrics: it measures nothing"
    ]


def test_the_condition_reader_reads_only_the_planned_form() -> None:
    assert limit_of("all(result[0].Values, {# <= 0.001})") == 0.001
    assert limit_of("all(result[0].Values, {# <= 1e-05})") == 1e-05
    assert limit_of("any(result[0].Values, {# <= 0.001})") is None
    assert limit_of(None) is None


def test_a_5xx_threshold_looser_than_the_budget_is_a_violation() -> None:
    props = template("stateful")
    metric(props, "server-5xx-ratio")["successCondition"] = "all(result[0].Values, {# <= 0.05})"
    (message,) = judge(props)
    assert "'server-5xx-ratio' passes up to 0.05, looser than the SLO allows (0.005)" in message


def test_a_check_the_slo_sets_no_limit_for_is_a_violation() -> None:
    """A renamed check would otherwise escape the comparison with the SLO altogether."""
    props = template("strict")
    metric(props, "tool-error-ratio")["name"] = "errors-anything-goes"
    (message,) = judge(props)
    assert "metric 'errors-anything-goes' is not a check the SLO defines a limit for" in message
