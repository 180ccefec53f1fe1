"""slo-tags-present: one resource at a time carries the standard tags or labels."""

from __future__ import annotations

from policy.rules.slo_tags_present import slo_tags_present
from tests.policy.harness import (
    UNKNOWN,
    Provider,
    labels,
    resource_args,
    tags,
    violations,
)

TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"


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
