"""The diff's rules on hand-made records: matching, secrets, replacements, call-outs."""

from __future__ import annotations

import json
from typing import Any

from review.callouts import CalloutKind, callouts
from review.diff import ChangeKind, diff_stacks
from review.policy_diff import policy_diff
from review.property_changes import SECRET_NOT_SHOWN, PropertyChangeKind, describe, property_changes
from review.render import RenderedStack
from review.replacement_rules import replacement_rule

STACK = "urn:pulumi:prod::mcp-fleet::"
PARENT = f"{STACK}pulumi:pulumi:Stack$mcp-fleet:backups:Backups::mcp-backups"


def record(
    type_token: str,
    name: str,
    inputs: dict[str, Any],
    *,
    parent: str | None = PARENT,
    options: dict[str, Any] | None = None,
    custom: bool = True,
) -> dict[str, Any]:
    parent_type = parent.split("::")[2].split("$")[-1] if parent else None
    qualified = f"{parent_type}${type_token}" if parent_type else type_token
    return {
        "urn": f"{STACK}{qualified}::{name}",
        "type": type_token,
        "name": name,
        "parent": parent,
        "custom": custom,
        "inputs": inputs,
        "options": {"protect": False, "ignoreChanges": [], **(options or {})},
        "propertyDependencies": {},
    }


COMPONENT = record("mcp-fleet:backups:Backups", "mcp-backups", {}, parent=None, custom=False)
COMPONENT["urn"] = PARENT


def stack(*resources: dict[str, Any]) -> RenderedStack:
    return RenderedStack("mcp-fleet", "prod", [COMPONENT, *resources])


def test_a_secret_value_is_never_shown() -> None:
    changes = property_changes(
        {"env": {"TOKEN": "[secret]", "MODE": "a"}}, {"env": {"TOKEN": "plain-now", "MODE": "a"}}
    )
    (change,) = changes
    assert change.secret and change.before is None and change.after is None
    assert describe(change) == f"{SECRET_NOT_SHOWN}: no longer secret"
    assert "plain-now" not in describe(change)


def test_two_secret_placeholders_are_equal_since_nobody_can_know() -> None:
    assert property_changes({"password": "[secret]"}, {"password": "[secret]"}) == []


def test_named_list_items_are_compared_by_name() -> None:
    before = {"containers": [{"name": "a", "image": "x:1"}, {"name": "b", "image": "y:1"}]}
    after = {"containers": [{"name": "b", "image": "y:2"}, {"name": "a", "image": "x:1"}]}
    (change,) = property_changes(before, after)
    assert change.path == "containers[b].image"
    assert (change.before, change.after) == ("y:1", "y:2")


def test_provider_rules_decide_replacement_and_everything_else_is_changed() -> None:
    bucket = "aws:s3/bucket:Bucket"
    assert replacement_rule(bucket, "objectLockEnabled") is not None
    assert replacement_rule(bucket, "tags.owner") is None
    assert replacement_rule("kubernetes:apps/v1:Deployment", "spec.selector.matchLabels.app")
    assert replacement_rule("kubernetes:apps/v1:Deployment", "spec.template.spec") is None
    assert replacement_rule("kubernetes:core/v1:Service", "metadata.name") is not None
    assert replacement_rule("aws:sqs/queue:Queue", "name") is None  # unknown: never guessed
    assert replacement_rule("aws:sqs/queue:Queue", "name", ("name",)) is not None


def test_a_log_group_rename_is_a_replacement_and_a_data_loss() -> None:
    group = "aws:cloudwatch/logGroup:LogGroup"
    base = stack(record(group, "logs", {"name": "/mcp/prod/a", "retentionInDays": 90}))
    head = stack(record(group, "logs", {"name": "/mcp/prod/b", "retentionInDays": 90}))
    diff = diff_stacks(base, head, "main")
    (change,) = diff.changes
    assert change.kind is ChangeKind.REPLACED
    (callout,) = callouts(diff)
    assert callout.kind is CalloutKind.DATA_LOSS and "log history is lost" in callout.message


def test_a_new_urn_without_alias_is_a_delete_and_an_add_marked_as_a_rename() -> None:
    inputs = {"retentionInDays": 30}
    group = "aws:cloudwatch/logGroup:LogGroup"
    diff = diff_stacks(
        stack(record(group, "old-name", inputs)), stack(record(group, "new-name", inputs)), "main"
    )
    kinds = {c.name: c.kind for c in diff.changes}
    assert kinds == {"old-name": ChangeKind.DELETED, "new-name": ChangeKind.ADDED}
    deleted = next(c for c in diff.changes if c.kind is ChangeKind.DELETED)
    assert deleted.note and "without an alias" in deleted.note and "new-name" in deleted.note
    assert any(c.kind is CalloutKind.DATA_LOSS for c in callouts(diff))


def test_an_alias_keeps_the_resource() -> None:
    group = "aws:cloudwatch/logGroup:LogGroup"
    old = record(group, "old-name", {"retentionInDays": 30})
    new = record(
        group,
        "new-name",
        {"retentionInDays": 30},
        options={"aliasSpecs": [{"spec": {"name": "old-name"}}]},
    )
    diff = diff_stacks(stack(old), stack(new), "main")
    assert diff.changes == () and diff.unchanged == 2


def test_weakened_settings_and_shorter_retention_are_called_out() -> None:
    block = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
    versioning = "aws:s3/bucketVersioning:BucketVersioning"
    lifecycle = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    base = stack(
        record(block, "pab", {"bucket": "b", "blockPublicAcls": True}),
        record(
            versioning, "ver", {"bucket": "b", "versioningConfiguration": {"status": "Enabled"}}
        ),
        record(
            lifecycle, "life", {"bucket": "b", "rules": [{"id": "r", "expiration": {"days": 30}}]}
        ),
    )
    head = stack(
        record(block, "pab", {"bucket": "b"}),
        record(
            versioning, "ver", {"bucket": "b", "versioningConfiguration": {"status": "Suspended"}}
        ),
        record(
            lifecycle, "life", {"bucket": "b", "rules": [{"id": "r", "expiration": {"days": 7}}]}
        ),
    )
    messages = [c.message for c in callouts(diff_stacks(base, head, "main"))]
    assert any("blockPublicAcls` weakened from true to unset" in m for m in messages)
    assert any("versioningConfiguration.status` weakened" in m for m in messages)
    assert any("rules[r].expiration.days` shortened from 30 to 7" in m for m in messages)


def test_a_removed_deny_statement_is_called_out() -> None:
    policy = "aws:s3/bucketPolicy:BucketPolicy"
    deny = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*"}
    allow = {"Sid": "Replication", "Effect": "Allow"}
    base = stack(
        record(policy, "pol", {"bucket": "b", "policy": json.dumps({"Statement": [deny, allow]})})
    )
    head = stack(
        record(policy, "pol", {"bucket": "b", "policy": json.dumps({"Statement": [allow]})})
    )
    (callout,) = callouts(diff_stacks(base, head, "main"))
    assert "DenyInsecureTransport" in callout.message


def test_alarm_threshold_direction_follows_the_operator() -> None:
    alarm = "aws:cloudwatch/metricAlarm:MetricAlarm"

    def alarms(threshold: float, operator: str) -> RenderedStack:
        return stack(
            record(
                alarm,
                "a",
                {"threshold": threshold, "comparisonOperator": operator, "alarmActions": ["t"]},
            )
        )

    looser = diff_stacks(alarms(0.99, "LessThanThreshold"), alarms(0.95, "LessThanThreshold"), "m")
    stricter = diff_stacks(
        alarms(0.95, "LessThanThreshold"), alarms(0.99, "LessThanThreshold"), "m"
    )
    assert [c.kind for c in callouts(looser)] == [CalloutKind.ALARM]
    assert callouts(stricter) == []


def test_policy_results_are_compared_by_policy_urn_and_message() -> None:
    before = [{"policy": "p", "urn": "u1", "message": "m", "enforcement": "mandatory"}]
    after = [{"policyName": "p", "urn": "u2", "message": "m", "enforcementLevel": "mandatory"}]
    result = policy_diff(before, after)
    assert [f.urn for f in result.new] == ["u2"] and [f.urn for f in result.fixed] == ["u1"]
    assert policy_diff(None, after).base_available is False
    renamed = policy_diff(before, after, {"u1": "u2"})
    assert not renamed.new and not renamed.fixed and len(renamed.still) == 1


def test_secret_changes_reach_no_report_value() -> None:
    secret = "kubernetes:core/v1:Secret"
    base = stack(record(secret, "s", {"metadata": {"name": "s"}, "stringData": "[secret]"}))
    head = stack(
        record(secret, "s", {"metadata": {"name": "s"}, "stringData": {"url": "redis://x"}})
    )
    (change,) = diff_stacks(base, head, "main").changes
    (prop,) = change.properties
    assert prop.kind is PropertyChangeKind.MODIFIED and prop.secret
    assert "redis://x" not in json.dumps([prop.before, prop.after, prop.note])


def test_a_provider_configuration_change_is_called_out_as_unknowable_here() -> None:
    provider = "pulumi:providers:kubernetes"
    base = stack(record(provider, "cluster", {"kubeconfig": "[secret]", "namespace": "a"}))
    head = stack(record(provider, "cluster", {"kubeconfig": "[secret]", "namespace": "b"}))
    diff = diff_stacks(base, head, "main")
    (change,) = diff.changes
    assert change.kind is ChangeKind.CHANGED  # no known rule: never guessed to be replaced
    (callout,) = callouts(diff)
    assert (
        callout.kind is CalloutKind.PROVIDER and "only `pulumi preview` can tell" in callout.message
    )


def test_a_kubernetes_object_under_a_new_urn_without_alias_is_a_data_loss() -> None:
    service = "kubernetes:core/v1:Service"
    inputs = {"metadata": {"name": "github", "namespace": "mcp-storefront"}}
    moved = {"metadata": {"name": "github", "namespace": "mcp-storefront", "labels": {"a": "b"}}}
    diff = diff_stacks(
        stack(record(service, "old-svc", inputs)), stack(record(service, "new-svc", moved)), "m"
    )
    (callout,) = [c for c in callouts(diff) if c.kind is CalloutKind.DATA_LOSS]
    assert "same Kubernetes object" in callout.message and "new-svc" in callout.message
