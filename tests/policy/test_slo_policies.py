"""SLO policies: standard tags everywhere, SLOs within the baseline, and alarms enforcing them."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi_policy import PolicyResource

from catalog import signing
from policy.slo_policies import slo_alarms_present, slo_tags_present, slo_within_baseline
from tests.policy.harness import (
    APPROVER_KEY_ID,
    NOW,
    UNKNOWN,
    Provider,
    annotations_for,
    deployment,
    entry_document,
    labels,
    resource,
    resource_args,
    stack_args,
    violations,
)

TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
TOPIC = "arn:aws:sns:eu-west-1:111122223333:page"


def tags(server: str = "github", **changes: Any) -> dict[str, str]:
    found = labels(server)
    found.pop("app.kubernetes.io/name")
    for key, value in changes.items():
        found[f"mcp-fleet.io/{key.replace('_', '-')}"] = value
    return found


# --- slo-tags-present -------------------------------------------------------------------------


def test_a_fully_tagged_aws_resource_and_kubernetes_workload_pass() -> None:
    assert (
        violations(
            slo_tags_present, resource_args(TARGET_GROUP, {"tags": tags()}, {"stage": "prod"})
        )
        == []
    )
    service = {"metadata": {"name": "github", "labels": labels()}}
    assert violations(slo_tags_present, resource_args("kubernetes:core/v1:Service", service)) == []


def test_missing_keys_are_named() -> None:
    partial = tags()
    del partial["mcp-fleet.io/owner"], partial["mcp-fleet.io/slo-p95-ms"]
    [message] = violations(slo_tags_present, resource_args(TARGET_GROUP, {"tags": partial}))
    assert message.startswith("missing tags: mcp-fleet.io/owner, mcp-fleet.io/slo-p95-ms")


def test_a_taggable_type_without_any_tags_input_fails() -> None:
    [message] = violations(slo_tags_present, resource_args("aws:sns/topic:Topic", {"name": "page"}))
    assert message.startswith("missing tags: mcp-fleet.io/environment")
    hpa = {"metadata": {"name": "github"}}
    [message] = violations(
        slo_tags_present, resource_args("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", hpa)
    )
    assert message.startswith("missing labels: mcp-fleet.io/environment")


def test_resources_that_take_no_tags_are_not_judged() -> None:
    assert (
        violations(
            slo_tags_present, resource_args("aws:s3/bucketPolicy:BucketPolicy", {"bucket": "b"})
        )
        == []
    )
    assert (
        violations(
            slo_tags_present, resource_args("kubernetes:core/v1:Namespace", {"metadata": {}})
        )
        == []
    )


def test_provider_default_tags_count() -> None:
    provider = Provider(
        {"region": "eu-west-1", "defaultTags": '{"tags": ' + __import__("json").dumps(tags()) + "}"}
    )
    args = resource_args(TARGET_GROUP, {"name": "tg"}, provider=provider)
    assert violations(slo_tags_present, args) == []


def test_bad_values_are_explained() -> None:
    bad = tags(slo_success_rate="100.5", slo_p95_ms="fast", tier="gold", environment="staging")
    found = violations(
        slo_tags_present, resource_args(TARGET_GROUP, {"tags": bad}, {"stage": "prod"})
    )
    assert found == [
        "mcp-fleet.io/slo-success-rate='100.5' is not a percentage below 100",
        "mcp-fleet.io/slo-p95-ms='fast' is not a whole number of milliseconds",
        "mcp-fleet.io/tier='gold' is not one of tier-1, tier-2, tier-3",
        "mcp-fleet.io/environment='staging' but this stack is 'prod'",
    ]


def test_unknown_tags_during_preview_are_not_violations() -> None:
    assert violations(slo_tags_present, resource_args(TARGET_GROUP, {"tags": UNKNOWN})) == []
    partly = {**tags(), "mcp-fleet.io/owner": UNKNOWN}
    assert violations(slo_tags_present, resource_args(TARGET_GROUP, {"tags": partly})) == []
    unknown_labels = {"metadata": {"name": "x", "labels": UNKNOWN}}
    assert (
        violations(slo_tags_present, resource_args("kubernetes:core/v1:Service", unknown_labels))
        == []
    )


# --- slo-within-baseline ----------------------------------------------------------------------

BASELINE = {"trustedKeyIds": [APPROVER_KEY_ID], "now": NOW}


@pytest.fixture(scope="module")
def approver() -> signing.PrivateKey:
    return signing.generate_private_key()


def trusting(key: signing.PrivateKey) -> dict[str, Any]:
    return {
        "trustedKeys": {signing.key_id(key.public_key()): signing.public_key_pem(key.public_key())},
        "now": NOW,
    }


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


# --- slo-alarms-present -----------------------------------------------------------------------


def latency_alarm(threshold: Any = 0.3, actions: Any = (TOPIC,), **extra: Any) -> dict[str, Any]:
    return {
        "metricName": "TargetResponseTime",
        "namespace": "AWS/ApplicationELB",
        "extendedStatistic": "p95",
        "threshold": threshold,
        "comparisonOperator": "GreaterThanThreshold",
        "alarmActions": list(actions) if isinstance(actions, tuple) else actions,
        "tags": {**tags(), "mcp-fleet.io/alarm-kind": "latency-p95"},
        **extra,
    }


def availability_alarms() -> list[PolicyResource]:
    window = {
        "metricName": "ToolErrors",
        "threshold": 0.072,
        "alarmActions": [],
        "tags": {**tags(), "mcp-fleet.io/alarm-kind": "burn-rate-1h"},
    }
    page = {
        "alarmRule": "ALARM(x)",
        "alarmActions": [TOPIC],
        "tags": {**tags(), "mcp-fleet.io/alarm-kind": "burn-rate-page"},
    }
    return [
        resource(METRIC_ALARM, window, name="github-burn-1h"),
        resource(COMPOSITE_ALARM, page, name="github-burn-page"),
    ]


def stack(*alarms: PolicyResource) -> list[PolicyResource]:
    return [resource(DEPLOYMENT, deployment(), name="github"), *alarms]


REQUIRE_ACTIONS = {"requireAlarmActions": True}


def test_a_server_with_matching_alarms_that_notify_passes() -> None:
    resources = stack(
        resource(METRIC_ALARM, latency_alarm(), name="github-latency"), *availability_alarms()
    )
    assert violations(slo_alarms_present, stack_args(resources, REQUIRE_ACTIONS)) == []


def test_missing_alarms_are_reported() -> None:
    found = violations(slo_alarms_present, stack_args(stack(), REQUIRE_ACTIONS))
    assert found == [
        "server 'github' declares p95 <= 300 ms but has no MetricAlarm tagged mcp-fleet.io/alarm-kind=latency-p95",
        "server 'github' declares tool success >= 99.5% but has no alarm of kind error-rate-5xx, "
        "tool-success, burn-rate-* enforcing it",
    ]


def test_a_latency_alarm_at_the_wrong_threshold_or_statistic_fails() -> None:
    for alarm in (latency_alarm(threshold=0.4), latency_alarm(extendedStatistic="p99")):
        resources = stack(
            resource(METRIC_ALARM, alarm, name="github-latency"), *availability_alarms()
        )
        [message] = violations(slo_alarms_present, stack_args(resources))
        assert "no latency-p95 alarm watches TargetResponseTime p95 with threshold 0.3 s" in message


def test_metric_math_latency_alarms_count() -> None:
    alarm = latency_alarm()
    del alarm["metricName"], alarm["extendedStatistic"]
    alarm["metricQueries"] = [
        {
            "id": "p95",
            "returnData": True,
            "metric": {"metricName": "TargetResponseTime", "stat": "p95", "period": 60},
        }
    ]
    resources = stack(resource(METRIC_ALARM, alarm, name="github-latency"), *availability_alarms())
    assert violations(slo_alarms_present, stack_args(resources, REQUIRE_ACTIONS)) == []


def test_alarms_that_notify_nobody_fail_only_where_required() -> None:
    silent = copy.deepcopy(availability_alarms())
    resources = stack(
        resource(METRIC_ALARM, latency_alarm(actions=()), name="github-latency"), silent[0]
    )
    assert violations(slo_alarms_present, stack_args(resources)) == []
    found = violations(slo_alarms_present, stack_args(resources, REQUIRE_ACTIONS))
    assert found == [
        "no latency alarm of server 'github' has alarmActions: in this stage an SLO breach must page or ticket someone",
        "no availability alarm of server 'github' has alarmActions: in this stage an SLO breach must page or ticket someone",
    ]


def test_an_availability_alarm_for_another_slo_fails() -> None:
    wrong = {
        "metricName": "HTTPCode_Target_5XX_Count",
        "threshold": 0.01,
        "alarmActions": [TOPIC],
        "tags": {**tags(slo_success_rate="99.0"), "mcp-fleet.io/alarm-kind": "error-rate-5xx"},
    }
    resources = stack(
        resource(METRIC_ALARM, latency_alarm(), name="github-latency"),
        resource(METRIC_ALARM, wrong, name="github-5xx"),
        *availability_alarms(),
    )
    [message] = violations(slo_alarms_present, stack_args(resources))
    assert message == "alarm 'github-5xx' enforces success 99% but server 'github' declares 99.5%"


def test_unknown_thresholds_and_actions_are_not_violations() -> None:
    resources = stack(
        resource(
            METRIC_ALARM, latency_alarm(threshold=UNKNOWN, actions=UNKNOWN), name="github-latency"
        ),
        *availability_alarms(),
    )
    assert violations(slo_alarms_present, stack_args(resources, REQUIRE_ACTIONS)) == []
