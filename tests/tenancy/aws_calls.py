"""Rendered Pulumi inputs as the AWS API calls the provider makes from them (tenancy resources).

Each mapping names every input it knows; an input it does not know raises, so a new field
cannot pass the replay unexamined. ``keys`` maps the mocked key ARN to the key moto created,
since the secrets, log group and topic point at the tenant key by ARN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.tenancy.mocks import RecordingMocks

IGNORED = {"__name"}


def fields(
    inputs: Mapping[str, Any], mapping: Mapping[str, str], skip: frozenset[str] = frozenset()
) -> dict[str, Any]:
    unknown = set(inputs) - set(mapping) - skip - IGNORED
    if unknown:
        raise KeyError(f"no API mapping for input(s) {sorted(unknown)}")
    return {mapping[k]: v for k, v in inputs.items() if k in mapping and v is not None}


def tag_list(
    tags: Mapping[str, str], key: str = "Key", value: str = "Value"
) -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in sorted(tags.items())]


def create_key(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """CreateKey; rotation and the deletion window are separate calls or delete-time options."""
    call = fields(
        inputs,
        {"description": "Description", "policy": "Policy"},
        skip=frozenset({"enableKeyRotation", "deletionWindowInDays", "tags", "region"}),
    )
    call["Tags"] = tag_list(inputs.get("tags") or {}, "TagKey", "TagValue")
    return call


def create_secret(inputs: Mapping[str, Any], keys: Mapping[str, str]) -> dict[str, Any]:
    """CreateSecret without a value: the values are the tenant's to write, never Pulumi's."""
    call = fields(
        inputs,
        {"name": "Name", "description": "Description"},
        skip=frozenset({"kmsKeyId", "tags", "recoveryWindowInDays"}),
    )
    call["KmsKeyId"] = keys[inputs["kmsKeyId"]]
    call["Tags"] = tag_list(inputs.get("tags") or {})
    return call


def create_log_group(inputs: Mapping[str, Any], keys: Mapping[str, str]) -> dict[str, Any]:
    call = fields(
        inputs, {"name": "logGroupName"}, skip=frozenset({"kmsKeyId", "tags", "retentionInDays"})
    )
    call["kmsKeyId"] = keys[inputs["kmsKeyId"]]
    call["tags"] = dict(inputs.get("tags") or {})
    return call


def create_topic(inputs: Mapping[str, Any], keys: Mapping[str, str]) -> dict[str, Any]:
    call = fields(
        inputs, {"name": "Name"}, skip=frozenset({"displayName", "kmsMasterKeyId", "tags"})
    )
    call["Attributes"] = {
        "DisplayName": inputs["displayName"],
        "KmsMasterKeyId": keys[inputs["kmsMasterKeyId"]],
    }
    call["Tags"] = tag_list(inputs.get("tags") or {})
    return call


def create_budget(inputs: Mapping[str, Any], account: str) -> dict[str, Any]:
    fields(
        inputs,
        {},
        skip=frozenset({"name", "budgetType", "limitAmount", "limitUnit", "timeUnit", "costFilters",
              "notifications", "tags"}),
    )  # fmt: skip
    notifications = [
        {
            "Notification": {
                "NotificationType": n["notificationType"],
                "ComparisonOperator": n["comparisonOperator"],
                "Threshold": n["threshold"],
                "ThresholdType": n["thresholdType"],
            },
            "Subscribers": [
                *(
                    {"SubscriptionType": "EMAIL", "Address": a}
                    for a in n["subscriberEmailAddresses"]
                ),
                *({"SubscriptionType": "SNS", "Address": a} for a in n["subscriberSnsTopicArns"]),
            ],
        }
        for n in inputs["notifications"]
    ]
    return {
        "AccountId": account,
        "Budget": {
            "BudgetName": inputs["name"],
            "BudgetLimit": {"Amount": inputs["limitAmount"], "Unit": inputs["limitUnit"]},
            "CostFilters": {f["name"]: list(f["values"]) for f in inputs["costFilters"]},
            "TimeUnit": inputs["timeUnit"],
            "BudgetType": inputs["budgetType"],
        },
        "NotificationsWithSubscribers": notifications,
        "ResourceTags": tag_list(inputs.get("tags") or {}),
    }


def create_role(inputs: Mapping[str, Any]) -> dict[str, Any]:
    call = fields(
        inputs,
        {
            "name": "RoleName",
            "assumeRolePolicy": "AssumeRolePolicyDocument",
            "description": "Description",
        },
        skip=frozenset({"tags"}),
    )
    call["Tags"] = tag_list(inputs.get("tags") or {})
    return call


def put_role_policy(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """PutRolePolicy: a role's id is its name."""
    return fields(inputs, {"name": "PolicyName", "policy": "PolicyDocument", "role": "RoleName"})


def single(mocks: RecordingMocks, typ: str) -> dict[str, Any]:
    (found,) = mocks.of_type(typ)
    return found


def plain(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs without the recorder's ``__name``, for helpers that map every key."""
    return {k: v for k, v in inputs.items() if k not in IGNORED}
