"""What the tenancy components declare, created through boto3 in moto and read back unchanged.

One tenant rendered under mocks (key, secrets, observability), each resource turned into the
API call the provider makes, checked against the service model (enums, maximums, patterns),
sent to moto and read back. moto 5.2.5 gaps: Budgets cannot list a notification's subscribers
(DescribeSubscribersForNotification is not implemented), so those are checked on the call.
Then the rendered role policy is judged by the IAM evaluator against the ARN moto gave the
secret, so the ``-??????`` pattern is held against AWS's real ARN shape, not our mock's.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pulumi
import pulumi_kubernetes as k8s
from moto import mock_aws

from components.tenant_key import TenantKey, tenant_log_group_name
from components.tenant_observability import TenantObservability
from components.tenant_secrets import TenantSecrets
from tests.observability.cloudwatch_api import put_dashboard, put_metric_alarm
from tests.tenancy import aws_calls
from tests.tenancy.iam_simulator import ALLOWED, IMPLICITLY_DENIED, Request, decide
from tests.tenancy.mocks import REGION, RecordingMocks, render
from tests.tenancy.rendered_secrets import key_args, secrets_args
from tests.tenancy.service_model import model_problems
from tests.tenancy.test_tenant_observability import observability_args

MOTO_ACCOUNT = "123456789012"
"""moto's default account: rendering with it makes the rendered ARNs moto's ARNs."""


def render_tenant() -> RecordingMocks:
    def program() -> None:
        cluster = k8s.Provider("cluster", kubeconfig="{}")
        key = TenantKey("acme-tenant", key_args("acme"))
        TenantSecrets(
            "acme-secrets",
            secrets_args(
                "acme", {"search": ("config", "credentials"), "mail": ("config",)}, key_arn=key.arn
            ),
            pulumi.ResourceOptions(providers={"kubernetes": cluster}),
        )
        TenantObservability(
            "acme-observability",
            observability_args(
                "acme",
                key_arn=key.arn,
                log_group_name=tenant_log_group_name("mcp-fleet-prod", "acme"),
            ),
        )

    return render(program, account=MOTO_ACCOUNT)


def checked(service: str, operation: str, call: dict[str, Any]) -> dict[str, Any]:
    assert model_problems(service, operation, call) == [], (operation, call)
    return call


def test_kms_secrets_logs_and_topic_round_trip() -> None:
    mocks = render_tenant()
    key_inputs = aws_calls.single(mocks, "aws:kms/key:Key")
    with mock_aws():
        kms = boto3.client("kms", region_name=REGION)
        created = kms.create_key(**checked("kms", "CreateKey", aws_calls.create_key(key_inputs)))
        key_id, key_arn = created["KeyMetadata"]["KeyId"], created["KeyMetadata"]["Arn"]
        kms.enable_key_rotation(KeyId=key_id)
        (alias,) = mocks.of_type("aws:kms/alias:Alias")
        kms.create_alias(AliasName=alias["name"], TargetKeyId=key_id)
        keys = {mocked: key_arn for mocked in _mocked_key_arns(mocks)}

        assert json.loads(
            kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
        ) == json.loads(key_inputs["policy"])
        assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
        assert [a["AliasName"] for a in kms.list_aliases(KeyId=key_id)["Aliases"]] == [
            alias["name"]
        ]
        assert {
            t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key_id)["Tags"]
        } == key_inputs["tags"]

        secrets = boto3.client("secretsmanager", region_name=REGION)
        for inputs in mocks.of_type("aws:secretsmanager/secret:Secret"):
            call = checked("secretsmanager", "CreateSecret", aws_calls.create_secret(inputs, keys))
            secrets.create_secret(**call)
            found = secrets.describe_secret(SecretId=call["Name"])
            assert (found["Name"], found["Description"], found["KmsKeyId"]) == (
                call["Name"],
                call["Description"],
                key_arn,
            )
            assert sorted(found["Tags"], key=lambda t: t["Key"]) == call["Tags"]

        logs = boto3.client("logs", region_name=REGION)
        group = aws_calls.single(mocks, "aws:cloudwatch/logGroup:LogGroup")
        call = checked("logs", "CreateLogGroup", aws_calls.create_log_group(group, keys))
        logs.create_log_group(**call)
        retention = checked(
            "logs",
            "PutRetentionPolicy",
            {"logGroupName": group["name"], "retentionInDays": group["retentionInDays"]},
        )
        logs.put_retention_policy(**retention)
        (stored,) = logs.describe_log_groups(logGroupNamePrefix=group["name"])["logGroups"]
        assert (stored["retentionInDays"], stored["kmsKeyId"]) == (90, key_arn)
        assert (
            logs.list_tags_for_resource(resourceArn=stored["logGroupArn"])["tags"] == group["tags"]
        )

        sns = boto3.client("sns", region_name=REGION)
        topic = aws_calls.single(mocks, "aws:sns/topic:Topic")
        topic_arn = sns.create_topic(
            **checked("sns", "CreateTopic", aws_calls.create_topic(topic, keys))
        )["TopicArn"]
        policy = aws_calls.single(mocks, "aws:sns/topicPolicy:TopicPolicy")["policy"]
        sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy", AttributeValue=policy)
        attributes = sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]
        assert attributes["KmsMasterKeyId"] == key_arn
        assert json.loads(attributes["Policy"]) == json.loads(policy)


def test_budget_alarm_and_dashboard_round_trip() -> None:
    mocks = render_tenant()
    budget = aws_calls.single(mocks, "aws:budgets/budget:Budget")
    call = checked("budgets", "CreateBudget", aws_calls.create_budget(budget, MOTO_ACCOUNT))
    emails = {
        s["Address"]
        for n in call["NotificationsWithSubscribers"]
        for s in n["Subscribers"]
        if s["SubscriptionType"] == "EMAIL"
    }
    assert emails == {"acme-team@example.com"}
    with mock_aws():
        budgets = boto3.client("budgets", region_name="us-east-1")
        budgets.create_budget(**call)
        stored = budgets.describe_budget(AccountId=MOTO_ACCOUNT, BudgetName=budget["name"])[
            "Budget"
        ]
        for field in ("BudgetName", "BudgetLimit", "CostFilters", "TimeUnit", "BudgetType"):
            assert stored[field] == call["Budget"][field], field
        notifications = budgets.describe_notifications_for_budget(
            AccountId=MOTO_ACCOUNT, BudgetName=budget["name"]
        )["Notifications"]
        assert sorted(notifications, key=str) == sorted(
            (n["Notification"] for n in call["NotificationsWithSubscribers"]), key=str
        )

        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        alarm = put_metric_alarm(
            aws_calls.plain(aws_calls.single(mocks, "aws:cloudwatch/metricAlarm:MetricAlarm"))
        )
        cloudwatch.put_metric_alarm(**checked("cloudwatch", "PutMetricAlarm", alarm))
        (stored_alarm,) = cloudwatch.describe_alarms(AlarmNames=[alarm["AlarmName"]])[
            "MetricAlarms"
        ]
        found = dict(stored_alarm)
        for field in (
            "Threshold",
            "AlarmActions",
            "OKActions",
            "Namespace",
            "MetricName",
            "ComparisonOperator",
        ):
            assert found[field] == alarm[field], field
        dashboard = put_dashboard(
            aws_calls.plain(aws_calls.single(mocks, "aws:cloudwatch/dashboard:Dashboard"))
        )
        cloudwatch.put_dashboard(**checked("cloudwatch", "PutDashboard", dashboard))
        body = cloudwatch.get_dashboard(DashboardName=dashboard["DashboardName"])["DashboardBody"]
        assert json.loads(body) == json.loads(dashboard["DashboardBody"])


def test_roles_round_trip_and_read_the_secret_arns_moto_assigns() -> None:
    mocks = render_tenant()
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        for inputs in mocks.of_type("aws:iam/role:Role"):
            iam.create_role(**checked("iam", "CreateRole", aws_calls.create_role(inputs)))
        for inputs in mocks.of_type("aws:iam/rolePolicy:RolePolicy"):
            call = checked("iam", "PutRolePolicy", aws_calls.put_role_policy(inputs))
            iam.put_role_policy(**call)
            stored = iam.get_role_policy(RoleName=call["RoleName"], PolicyName=call["PolicyName"])
            assert stored["PolicyDocument"] == json.loads(call["PolicyDocument"])

        secrets = boto3.client("secretsmanager", region_name=REGION)
        arns = {
            name: secrets.create_secret(Name=name)["ARN"]
            for name in ("/prod/acme/search/config", "/prod/acme/mail/config")
        }
        search = iam.get_role_policy(
            RoleName="mcp-fleet-prod-acme-search", PolicyName="read-own-secrets"
        )
    requests = [
        Request(
            principal=f"arn:aws:sts::{MOTO_ACCOUNT}:assumed-role/mcp-fleet-prod-acme-search/pod",
            action="secretsmanager:GetSecretValue",
            resource=arn,
            account=MOTO_ACCOUNT,
            identity_policies={"read-own-secrets": search["PolicyDocument"]},
        )
        for arn in arns.values()
    ]
    assert decide(requests) == [ALLOWED, IMPLICITLY_DENIED]


def _mocked_key_arns(mocks: RecordingMocks) -> set[str]:
    """Every key ARN the rendered resources point at (one tenant: one key)."""
    found = set()
    for typ, field in (
        ("aws:secretsmanager/secret:Secret", "kmsKeyId"),
        ("aws:cloudwatch/logGroup:LogGroup", "kmsKeyId"),
        ("aws:sns/topic:Topic", "kmsMasterKeyId"),
    ):
        found |= {r[field] for r in mocks.of_type(typ)}
    assert len(found) == 1, found
    return found
