"""Paging topics and subscriptions per stack; the log groups, the add-on that fills them, and the
settings that refuse what CloudWatch would."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from components.gateway_metrics import GATEWAY_METRICS
from components.log_metrics import LOG_METRICS
from review.render import RenderedStack
from stacks import SettingsError, load_settings
from tests.observability.built_observability import STACKS, built, variant
from tests.observability.cloudwatch_api import METRIC_FILTER
from tests.stacks.stack_config import with_value

Rendered = Callable[[str], RenderedStack]
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ADDON = "aws:eks/addon:Addon"


def _named(result: RenderedStack, name: str) -> dict[str, Any]:
    return result.named(name)


def _statements(policy: str) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in json.loads(policy)["Statement"]}


@pytest.mark.parametrize("stack", STACKS)
def test_page_and_ticket_topics_are_encrypted_with_a_key_cloudwatch_may_use(stack: str) -> None:
    result = built(stack)
    key = _named(result, "mcp-observability-paging-key")
    topics = {t["inputs"]["name"]: t for t in result.of_type(TOPIC)}
    assert set(topics) == {f"mcp-fleet-{stack}-page", f"mcp-fleet-{stack}-ticket"}
    for topic in topics.values():
        assert topic["inputs"]["kmsMasterKeyId"] == key["outputs"]["arn"]
    assert key["inputs"]["enableKeyRotation"] is True
    statements = _statements(key["inputs"]["policy"])
    alarms = statements["CloudWatchAlarmsPublishToTopics"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert set(alarms["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    for policy in result.of_type(TOPIC_POLICY):
        topic_statements = _statements(policy["inputs"]["policy"])
        publish = topic_statements["CloudWatchAlarmsOfThisAccountPublish"]
        assert publish["Condition"]["ArnLike"]["aws:SourceArn"].endswith(":alarm:*")
        assert topic_statements["OnlyOverTls"]["Effect"] == "Deny"


@pytest.mark.parametrize("stack", STACKS)
def test_subscriptions_come_from_the_stack_file(stack: str) -> None:
    result = built(stack)
    paging = variant(stack).observability
    found = {
        (s["inputs"]["topic"].rsplit("-", 1)[1], s["inputs"]["protocol"], s["inputs"]["endpoint"])
        for s in result.of_type(SUBSCRIPTION)
    }
    expected = {
        (severity, protocol, endpoint)
        for severity, where in (("page", paging.page), ("ticket", paging.ticket))
        for protocol, endpoints in (("email", where.emails), ("https", where.https_endpoints))
        for endpoint in endpoints
    }
    assert found == expected
    if stack == "prod":
        assert ("page", "https", paging.page.https_endpoints[0]) in found
    for subscription in result.of_type(SUBSCRIPTION):
        if subscription["inputs"]["protocol"] == "https":
            assert subscription["inputs"]["endpointAutoConfirms"] is True


@pytest.mark.parametrize("stack", STACKS)
def test_container_insights_log_groups_are_the_programs(stack: str) -> None:
    result = built(stack)
    settings = variant(stack)
    key = _named(result, "mcp-observability-logs-key")
    groups = {g["inputs"]["name"]: g for g in result.of_type(LOG_GROUP)}
    cluster = settings.cluster.name
    assert set(groups) >= {
        f"/aws/containerinsights/{cluster}/{kind}"
        for kind in ("application", "dataplane", "host", "performance")
    }
    for name, group in groups.items():
        if name.startswith("/aws/containerinsights/"):
            assert group["inputs"]["retentionInDays"] == settings.observability.log_retention_days
            assert group["inputs"]["kmsKeyId"] == key["outputs"]["arn"]
    logs = _statements(key["inputs"]["policy"])["CloudWatchLogsEncryptsContainerInsights"]
    assert logs["Principal"] == {"Service": f"logs.{settings.region}.amazonaws.com"}
    context = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert context.endswith(f":log-group:/aws/containerinsights/{cluster}/*")

    filters = result.of_type(METRIC_FILTER)
    # The log contract's filters and the gateway's, all over the one application group.
    assert len(filters) == len(LOG_METRICS) + len(GATEWAY_METRICS)
    assert {f["inputs"]["logGroupName"] for f in filters} == {
        f"/aws/containerinsights/{cluster}/application"
    }


@pytest.mark.parametrize("stack", STACKS)
def test_the_addon_ships_logs_with_its_own_least_privilege_role(stack: str) -> None:
    result = built(stack)
    settings = variant(stack)
    (addon,) = result.of_type(ADDON)
    role = _named(result, "mcp-observability-logs-agent-role")
    inputs = addon["inputs"]
    assert inputs["addonName"] == "amazon-cloudwatch-observability"
    assert inputs["clusterName"] == settings.cluster.name
    assert inputs["serviceAccountRoleArn"] == role["outputs"]["arn"]
    config = json.loads(inputs["configurationValues"])
    assert config["containerLogs"] == {"enabled": True}
    assert config["agent"]["config"]["logs"]["metrics_collected"]["kubernetes"] == {
        "enhanced_container_insights": True
    }
    # The log groups exist before the agent could create them with its own defaults.
    group_urns = {
        g["urn"] for g in result.of_type(LOG_GROUP) if "containerinsights" in g["inputs"]["name"]
    }
    assert group_urns <= set(addon["dependencies"])

    trust = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Federated": settings.cluster.oidc_provider_arn}
    issuer = settings.cluster.oidc_provider_arn.split(":oidc-provider/")[1]
    assert trust["Condition"]["StringEquals"] == {
        f"{issuer}:sub": "system:serviceaccount:amazon-cloudwatch:cloudwatch-agent",
        f"{issuer}:aud": "sts.amazonaws.com",
    }
    attachment = _named(result, "mcp-observability-logs-agent-policy")
    assert (
        attachment["inputs"]["policyArn"] == "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"
    )


def test_retention_must_be_a_value_cloudwatch_accepts() -> None:
    config = with_value("prod", "mcp-fleet:observability", {"logRetentionDays": 31})
    with pytest.raises(SettingsError, match="nearest allowed value is 30"):
        load_settings(config, project="mcp-fleet", stack="prod")


def test_pager_endpoints_must_be_https() -> None:
    config = with_value(
        "prod", "mcp-fleet:observability", {"page": {"httpsEndpoints": ["http://pager.example/x"]}}
    )
    with pytest.raises(SettingsError, match="https://"):
        load_settings(config, project="mcp-fleet", stack="prod")
