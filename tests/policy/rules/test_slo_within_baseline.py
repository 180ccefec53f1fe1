"""slo-within-baseline: a server's resources and its signed entry's SLO."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import PolicyResource

from catalog import signing
from policy.rules.slo_within_baseline import slo_within_baseline
from tests.policy.harness import (
    APPROVER_KEY_ID,
    DEPLOYMENT,
    NOW,
    annotations_for,
    deployment,
    entry_document,
    labels,
    resource,
    stack_args,
    tags,
    trusting,
    violations,
)

TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"

BASELINE = {"trustedKeyIds": [APPROVER_KEY_ID], "now": NOW}


@pytest.fixture(scope="module")
def approver() -> signing.PrivateKey:
    return signing.generate_private_key()


def slow_server(key: signing.PrivateKey, exception: dict[str, Any] | None) -> list[PolicyResource]:
    """A 'jira' Deployment declaring p95 800 ms (signed) and its target group tagged the same."""
    document = entry_document("jira")
    document["slo"] = {"toolSuccessRate": 99.0, "p95LatencyMs": 800}
    if exception is not None:
        document["slo"]["exception"] = exception
    server_labels = labels("jira", success="99.0", p95="800")
    props = deployment(
        annotations_for(document, key), server="jira", deployment_labels=server_labels
    )
    return [
        resource(DEPLOYMENT, props, name="jira"),
        resource(
            TARGET_GROUP,
            {"tags": tags("jira", slo_success_rate="99.0", slo_p95_ms="800")},
            name="jira-tg",
        ),
    ]


def test_declared_slos_within_the_baseline_pass() -> None:
    github = resource(DEPLOYMENT, deployment(), name="github")
    tg = resource(TARGET_GROUP, {"tags": tags()}, name="github-tg")
    fleet = resource(
        "aws:lb/loadBalancer:LoadBalancer",
        {"tags": tags("fleet", slo_success_rate="99.0", slo_p95_ms="400")},
        name="alb",
    )
    assert violations(slo_within_baseline, stack_args([github, tg, fleet], BASELINE)) == []


def test_an_slo_outside_the_baseline_needs_a_signed_exception(approver: signing.PrivateKey) -> None:
    found = violations(
        slo_within_baseline, stack_args(slow_server(approver, None), trusting(approver))
    )
    assert len(found) == 2
    assert all(
        "outside the baseline (>= 99%, <= 400 ms)" in m and "slo.exception" in m for m in found
    )


def test_an_unexpired_signed_exception_allows_it(approver: signing.PrivateKey) -> None:
    exception = {
        "reason": "Jira Cloud API is slow",
        "approvedBy": "sre-lead",
        "expires": "2027-03-31",
    }
    assert (
        violations(
            slo_within_baseline, stack_args(slow_server(approver, exception), trusting(approver))
        )
        == []
    )


def test_an_expired_exception_does_not(approver: signing.PrivateKey) -> None:
    exception = {
        "reason": "Jira Cloud API is slow",
        "approvedBy": "sre-lead",
        "expires": "2026-11-01",
    }
    found = violations(
        slo_within_baseline, stack_args(slow_server(approver, exception), trusting(approver))
    )
    assert len(found) == 2 and all("expired on 2026-11-01" in m for m in found)


def test_an_exception_in_an_untrusted_entry_counts_for_nothing(
    approver: signing.PrivateKey,
) -> None:
    exception = {
        "reason": "Jira Cloud API is slow",
        "approvedBy": "sre-lead",
        "expires": "2027-03-31",
    }
    found = violations(slo_within_baseline, stack_args(slow_server(approver, exception), BASELINE))
    assert len(found) == 2 and all("needs an approved slo.exception" in m for m in found)


def test_labels_must_state_the_signed_entrys_slo() -> None:
    props = deployment(deployment_labels=labels(success="99.0", p95="300"))
    found = violations(
        slo_within_baseline, stack_args([resource(DEPLOYMENT, props, name="github")], BASELINE)
    )
    assert found == [
        "server 'github' is labelled success 99% / p95 300 ms but its signed catalog entry "
        "declares 99.5% / 300 ms"
    ]


def test_every_resource_of_a_server_states_the_same_slo() -> None:
    github = resource(DEPLOYMENT, deployment(), name="github")
    alarm = resource(METRIC_ALARM, {"tags": tags(slo_p95_ms="350")}, name="github-latency")
    [message] = violations(slo_within_baseline, stack_args([github, alarm], BASELINE))
    assert (
        "is tagged with SLO 99.5% / 350 ms but server 'github' declares 99.5% / 300 ms" in message
    )
