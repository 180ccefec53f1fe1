"""TenantObservability under mocks: the tenant's logs, alerts, budget, quota alarm, dashboard."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.tenant_key import tenant_log_group_name
from components.tenant_observability import (
    PanelInputs,
    TenantObservability,
    TenantObservabilityArgs,
)
from policy.contract import ALARM_KIND, TENANT
from tests.tenancy.mocks import ACCOUNT, REGION, RecordingMocks, render

KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-1111-4111-8111-111111111111"
PLATFORM_PAGE = f"arn:aws:sns:{REGION}:{ACCOUNT}:mcp-fleet-prod-page"


def panel(name: str) -> PanelInputs:
    return PanelInputs(
        name=name,
        tier="tier-1",
        success_rate=99.5,
        p95_latency_ms=400,
        tools=("search",),
    )


def observability_args(tenant: str = "acme", **overrides: Any) -> TenantObservabilityArgs:
    values: dict[str, Any] = {
        "tenant": tenant,
        "name_prefix": "mcp-fleet-prod",
        "project": "mcp-fleet",
        "stack": "prod",
        "environment": "prod",
        "region": REGION,
        "cluster": "fleet-prod",
        "namespace": f"mcp-{tenant}",
        "owner_email": f"{tenant}-team@example.com",
        "key_arn": KEY,
        "log_group_name": tenant_log_group_name("mcp-fleet-prod", tenant),
        "log_retention_days": 90,
        "monthly_budget_usd": 750.5,
        "quota_pods": 60,
        "tags": {TENANT: tenant},
        "servers": (panel("search"), panel("mail")),
    }
    values.update(overrides)
    return TenantObservabilityArgs(**values)


def build(args: TenantObservabilityArgs) -> RecordingMocks:
    def program() -> None:
        TenantObservability(f"{args.tenant}-observability", args)

    return render(program)


def only(mocks: RecordingMocks, typ: str) -> dict[str, Any]:
    (found,) = mocks.of_type(typ)
    return found


def test_the_log_group_keeps_the_tenant_retention_in_the_tenant_key() -> None:
    group = only(build(observability_args()), "aws:cloudwatch/logGroup:LogGroup")
    assert group["name"] == "/mcp-fleet-prod/tenant/acme"
    assert group["retentionInDays"] == 90
    assert group["kmsKeyId"] == KEY
    assert group["tags"][TENANT] == "acme"


def test_the_alert_topic_is_the_tenants_own_and_reaches_its_owner() -> None:
    mocks = build(observability_args())
    topic = only(mocks, "aws:sns/topic:Topic")
    assert topic["name"] == "mcp-fleet-prod-acme-alerts"
    assert topic["kmsMasterKeyId"] == KEY
    subscription = only(mocks, "aws:sns/topicSubscription:TopicSubscription")
    assert (subscription["protocol"], subscription["endpoint"]) == (
        "email",
        "acme-team@example.com",
    )
    policy = json.loads(only(mocks, "aws:sns/topicPolicy:TopicPolicy")["policy"])
    publishers = {
        s["Principal"]["Service"]
        for s in policy["Statement"]
        if s["Effect"] == "Allow" and "Service" in s["Principal"]
    }
    assert publishers == {"cloudwatch.amazonaws.com", "budgets.amazonaws.com"}


def test_the_budget_filters_on_the_tenant_tag_and_alerts_the_owner_and_topic() -> None:
    mocks = build(observability_args())
    budget = only(mocks, "aws:budgets/budget:Budget")
    topic_arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:mcp-fleet-prod-acme-alerts"
    assert budget["budgetType"] == "COST"
    assert budget["timeUnit"] == "MONTHLY"
    assert (budget["limitAmount"], budget["limitUnit"]) == ("750.50", "USD")
    assert budget["costFilters"] == [
        {"name": "TagKeyValue", "values": ["user:mcp-fleet.io/tenant$acme"]}
    ]
    kinds = set()
    for notification in budget["notifications"]:
        assert notification["subscriberEmailAddresses"] == ["acme-team@example.com"]
        assert notification["subscriberSnsTopicArns"] == [topic_arn]
        kinds.add((notification["notificationType"], notification["threshold"]))
    assert kinds == {("ACTUAL", 80.0), ("FORECASTED", 100.0)}


def test_the_quota_alarm_goes_to_the_tenant_not_the_platform_pager() -> None:
    mocks = build(observability_args())
    alarm = only(mocks, "aws:cloudwatch/metricAlarm:MetricAlarm")
    topic_arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:mcp-fleet-prod-acme-alerts"
    assert alarm["alarmActions"] == [topic_arn] == alarm["okActions"]
    assert PLATFORM_PAGE not in alarm["alarmActions"]
    assert alarm["threshold"] == 54  # 90 % of 60 pods
    assert alarm["dimensions"] == {"ClusterName": "fleet-prod", "Namespace": "mcp-acme"}
    assert alarm["tags"][ALARM_KIND] == "tenant-quota"


def test_two_tenants_get_separate_topics_budgets_and_alarms() -> None:
    def program() -> None:
        for tenant in ("acme", "globex"):
            TenantObservability(f"{tenant}-observability", observability_args(tenant))

    mocks = render(program)
    alarms = mocks.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert {a["alarmActions"][0].rsplit(":", 1)[1] for a in alarms} == {
        "mcp-fleet-prod-acme-alerts",
        "mcp-fleet-prod-globex-alerts",
    }
    for alarm in alarms:
        tenant = alarm["tags"][TENANT]
        assert alarm["alarmActions"][0].endswith(f"-{tenant}-alerts")
    budgets = mocks.of_type("aws:budgets/budget:Budget")
    assert sorted(b["costFilters"][0]["values"][0] for b in budgets) == [
        "user:mcp-fleet.io/tenant$acme",
        "user:mcp-fleet.io/tenant$globex",
    ]


def test_the_dashboard_shows_only_the_tenants_servers_measured_at_the_gateway() -> None:
    mocks = build(observability_args())
    dashboard = only(mocks, "aws:cloudwatch/dashboard:Dashboard")
    assert dashboard["dashboardName"] == "mcp-fleet-prod-tenant-acme"
    body = json.loads(dashboard["dashboardBody"])
    titles = [w["properties"].get("title", "") for w in body["widgets"]]
    assert "search error budget left %" in titles and "mail error budget left %" in titles
    servers = {
        entry[entry.index("Server") + 1]
        for w in body["widgets"]
        for entry in w["properties"].get("metrics", [])
        if "Server" in entry
    }
    assert servers == {"search", "mail"}
    gateway = {
        (e[e.index("Tenant") + 1], e[e.index("Server") + 1])
        for w in body["widgets"]
        for e in w["properties"].get("metrics", [])
        if e[0] == "McpFleet/Gateway/prod"
    }
    assert gateway == {("acme", "search"), ("acme", "mail")}
    by_tool = [
        w for w in body["widgets"] if w["properties"].get("title", "").endswith("calls by tool")
    ]
    assert all("search" in json.dumps(w["properties"]["metrics"]) for w in by_tool)
    assert "AWS/ApplicationELB" not in dashboard["dashboardBody"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"log_retention_days": 31}, "not a CloudWatch value"),
        ({"monthly_budget_usd": 0}, "must be above 0"),
        ({"quota_pods": 0}, "quota_pods"),
        ({"tags": {TENANT: "globex"}}, "tags name tenant 'globex'"),
    ],
)
def test_wrong_args_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build(observability_args(**overrides))
