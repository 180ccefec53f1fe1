"""Each tenant namespace's container logs also go to the tenant's own log group (issue 12).

``Platform`` is rendered with prod's two tenants and with three (``test_platform_tenancy``);
the Container Insights add-on's configuration is read back as the add-on receives it, every
extra Fluent Bit file parsed, and each output's ``Match_Regex`` run against the tags the
add-on's tail input gives real container log files of every namespace. The collector role's
rendered inline policy is judged by the IAM evaluator beside the AWS-managed policy it
narrows, and stored in moto's IAM and read back unchanged (the tenant log groups' own replay
is ``test_moto_replay``).
"""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.log_collection import AGENT_POLICY, ROUTED_GROUPS_POLICY
from components.log_route_policy import routed_groups_policy
from components.log_routing import AUDIT_FILE, container_logs, tenant_route
from components.platform import Platform
from components.platform_args import naming
from components.tenant_key import tenant_log_group_name
from stacks.fleet_plan import Settings
from tests.audit_infra.test_audit_log_routing import sections
from tests.components.harness import ACCOUNT, Built
from tests.tenancy import aws_calls
from tests.tenancy.iam_simulator import (
    ALLOWED,
    EXPLICITLY_DENIED,
    IMPLICITLY_DENIED,
    Request,
    decide,
)
from tests.tenancy.service_model import model_problems
from tests.tenancy.test_platform_tenancy import rendered

REGION = "eu-west-1"
TAG_PREFIX = "application.var.log.containers."
GATEWAY_NAMESPACE = "mcp-gateway"
CLUSTER_NAMESPACES = ("amazon-cloudwatch", "kube-system", "mcp-audit", "mcp-rollouts")
MANAGED_AGENT_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "CWACloudWatchServerPermissions",
            "Effect": "Allow",
            "Action": [
                "cloudwatch:PutMetricData",
                "ec2:DescribeVolumes",
                "ec2:DescribeTags",
                "logs:PutLogEvents",
                "logs:PutRetentionPolicy",
                "logs:DescribeLogStreams",
                "logs:DescribeLogGroups",
                "logs:CreateLogStream",
                "logs:CreateLogGroup",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ],
            "Resource": "*",
        },
    ],
}
"""``CloudWatchAgentServerPolicy`` as AWS publishes it (its log statement: writes on ``*``)."""


@pytest.fixture(params=["two", "three"])
def stack(request: pytest.FixtureRequest) -> tuple[Settings, Built[Platform]]:
    return rendered(request.param)


def extra_outputs(built: Built[Platform]) -> dict[str, dict[str, str]]:
    """File name -> its one ``[OUTPUT]``'s settings, from the add-on's configuration value."""
    (addon,) = built.of_type("aws:eks/addon:Addon")
    config: dict[str, Any] = json.loads(addon["inputs"]["configurationValues"])
    files = config["containerLogs"]["fluentBit"]["config"]["extraFiles"]
    outputs = {}
    for file_name, text in files.items():
        ((kind, output),) = sections(text)
        assert kind == "OUTPUT", file_name
        outputs[file_name] = output
    return outputs


def pod_tags(namespace: str) -> list[str]:
    """Tags of container log files in ``namespace``, as the add-on's tail input names them."""
    return [
        f"{TAG_PREFIX}search-7d9f8b6c4-x2x5z_{namespace}_search-0123456789abcdef.log",
        f"{TAG_PREFIX}mail-5c7d9-abcde_{namespace}_config-reloader-fedcba9876543210.log",
        f"{TAG_PREFIX}{namespace}-6b7c8-q8w2k_{namespace}_{namespace}-0123.log",
    ]


def tenant_file(tenant: str) -> str:
    return f"tenant-{tenant}-log.conf"


def test_one_output_per_tenant_into_its_own_group_with_the_records_metadata(
    stack: tuple[Settings, Built[Platform]],
) -> None:
    settings, built = stack
    outputs = extra_outputs(built)
    tenants = [t.name for t in settings.tenant_settings]
    assert sorted(outputs) == sorted([AUDIT_FILE, *(tenant_file(t) for t in tenants)])
    prefix = naming(settings).stack_prefix
    groups = {g["inputs"]["name"]: g["inputs"] for g in built.of_type(_LOG_GROUP)}
    for tenant in settings.tenant_settings:
        output = outputs[tenant_file(tenant.name)]
        group = tenant_log_group_name(prefix, tenant.name)
        assert output == {
            "Name": "cloudwatch_logs",
            "Match_Regex": rf"^application\.var\.log\.containers\.[^_]+_{tenant.namespace}_.+$",
            "region": "${AWS_REGION}",
            "log_group_name": group,
            "log_stream_prefix": "${HOST_NAME}-",
            "auto_create_group": "false",
            "Retry_Limit": "5",
            "extra_user_agent": "mcp-fleet-tenant",
        }, "the whole record (no log_key), never creating the group"
        # The group it writes to is the program's: the tenant's retention and key.
        assert groups[group]["retentionInDays"] == tenant.log_retention_days
        assert groups[group]["kmsKeyId"] == _tenant_key_arn(built, tenant.name)


def test_each_tenant_output_matches_only_its_own_namespaces_pods(
    stack: tuple[Settings, Built[Platform]],
) -> None:
    settings, built = stack
    outputs = extra_outputs(built)
    tenant_namespaces = {t.name: t.namespace for t in settings.tenant_settings}
    # Every namespace whose lines reach Fluent Bit, plus look-alikes of a tenant namespace.
    look_alikes = [f"{ns}-canary" for ns in tenant_namespaces.values()]
    look_alikes += [ns.removeprefix("mcp-") for ns in tenant_namespaces.values()]
    namespaces = [*tenant_namespaces.values(), GATEWAY_NAMESPACE, *CLUSTER_NAMESPACES]
    for tenant, own in tenant_namespaces.items():
        pattern = outputs[tenant_file(tenant)]["Match_Regex"]
        for namespace in [*namespaces, *look_alikes]:
            for tag in pod_tags(namespace):
                assert bool(re.match(pattern, tag)) is (namespace == own), (tenant, tag)


def test_the_gateways_audit_output_is_unchanged(stack: tuple[Settings, Built[Platform]]) -> None:
    _, built = stack
    (trail_group,) = [
        g["inputs"]["name"]
        for g in built.of_type(_LOG_GROUP)
        if g["inputs"]["name"].endswith("/audit")
    ]
    assert extra_outputs(built)[AUDIT_FILE] == {
        "Name": "cloudwatch_logs",
        "Match_Regex": r"^application\.var\.log\.containers\.[^_]+_mcp-gateway_.+$",
        "region": "${AWS_REGION}",
        "log_group_name": trail_group,
        "log_stream_prefix": "${HOST_NAME}-",
        "log_key": "log",
        "auto_create_group": "false",
        "Retry_Limit": "False",
        "extra_user_agent": "mcp-fleet-audit",
    }
    for tag in pod_tags(GATEWAY_NAMESPACE):
        matched = [
            name for name, out in extra_outputs(built).items() if re.match(out["Match_Regex"], tag)
        ]
        assert matched == [AUDIT_FILE], "the gateway's lines go to the audit group only"


def test_each_tenant_key_lets_cloudwatch_logs_encrypt_exactly_its_routed_group(
    stack: tuple[Settings, Built[Platform]],
) -> None:
    settings, built = stack
    outputs = extra_outputs(built)
    for tenant in settings.tenant_settings:
        group = outputs[tenant_file(tenant.name)]["log_group_name"]
        (statement,) = [
            s
            for s in _tenant_key_policy(built, tenant.name)["Statement"]
            if s.get("Principal", {}).get("Service") == f"logs.{REGION}.amazonaws.com"
        ]
        assert statement["Condition"] == {
            "ArnEquals": {
                "kms:EncryptionContext:aws:logs:arn": (
                    f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"
                )
            }
        }


def test_the_collector_writes_to_exactly_the_routed_and_container_insights_groups(
    stack: tuple[Settings, Built[Platform]],
) -> None:
    """Decided by the IAM evaluator over the managed policy and the rendered inline one."""
    settings, built = stack
    (inline,) = [
        p
        for p in built.of_type("aws:iam/rolePolicy:RolePolicy")
        if p["name"].endswith("-agent-routed-groups")
    ]
    routed: dict[str, Any] = json.loads(inline["inputs"]["policy"])
    assert inline["parent"].endswith("-agent-role"), "on the add-on's own role"
    prefix = naming(settings).stack_prefix
    tenants = [tenant_log_group_name(prefix, t.name) for t in settings.tenant_settings]
    audit = extra_outputs(built)[AUDIT_FILE]["log_group_name"]
    application = f"/aws/containerinsights/{settings.cluster.name}/application"
    foreign = ["/other-stack/tenant/acme", "/aws/lambda/anything", f"/{prefix}/tenant/nobody"]
    cases: list[tuple[str, str, str, str]] = []
    for group in [*tenants, audit]:
        cases += [
            ("routed", "logs:PutLogEvents", _stream(group), ALLOWED),
            ("routed", "logs:CreateLogStream", _stream(group), ALLOWED),
            ("routed", "logs:DescribeLogStreams", _group(group), ALLOWED),
            ("routed", "logs:CreateLogGroup", _group(group), EXPLICITLY_DENIED),
            ("routed", "logs:PutRetentionPolicy", _group(group), EXPLICITLY_DENIED),
            # The inline policy alone grants exactly these groups, whatever AWS's policy says.
            ("inline-only", "logs:PutLogEvents", _stream(group), ALLOWED),
        ]
    cases += [
        ("routed", "logs:PutLogEvents", _stream(application), ALLOWED),
        ("routed", "logs:CreateLogGroup", _group(application), ALLOWED),
        ("inline-only", "logs:PutLogEvents", _stream(application), IMPLICITLY_DENIED),
    ]
    for group in foreign:
        cases += [
            ("routed", "logs:PutLogEvents", _stream(group), EXPLICITLY_DENIED),
            ("routed", "logs:CreateLogGroup", _group(group), EXPLICITLY_DENIED),
        ]
    policies = {
        "routed": {AGENT_POLICY: MANAGED_AGENT_POLICY, "routed-groups": routed},
        "inline-only": {"routed-groups": routed},
    }
    requests = [
        Request(
            principal=f"arn:aws:sts::{ACCOUNT}:assumed-role/agent/fluent-bit",
            action=action,
            resource=resource,
            account=ACCOUNT,
            identity_policies=policies[which],
        )
        for which, action, resource, _ in cases
    ]
    decided = dict(zip([c[:3] for c in cases], decide(requests), strict=True))
    assert decided == {c[:3]: c[3] for c in cases}


_LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def _group(name: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"


def _stream(name: str) -> str:
    return f"{_group(name)}:log-stream:node-1-application.var.log.containers.x"


def _tenant_key(built: Built[Platform], tenant: str) -> dict[str, Any]:
    (key,) = [
        k
        for k in built.of_type("aws:kms/key:Key")
        if k["name"].endswith(f"-tenant-{tenant}-key-key")
    ]
    return key


def _tenant_key_arn(built: Built[Platform], tenant: str) -> str:
    arn: str = _tenant_key(built, tenant)["outputs"]["arn"]
    return arn


def _tenant_key_policy(built: Built[Platform], tenant: str) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(_tenant_key(built, tenant)["inputs"]["policy"])
    return policy


def test_two_routes_into_one_file_are_refused() -> None:
    acme = tenant_route("acme", "mcp-acme", "/mcp-fleet-prod/tenant/acme")
    with pytest.raises(ValueError, match=r"two routes write the same file tenant-acme-log\.conf"):
        container_logs([acme, tenant_route("acme", "mcp-acme2", "/mcp-fleet-prod/tenant/a2")])


def test_a_tenant_route_that_could_not_match_is_refused() -> None:
    with pytest.raises(ValueError, match="namespace 'mcp_acme' is not a DNS label"):
        tenant_route("acme", "mcp_acme", "/mcp-fleet-prod/tenant/acme")


def test_no_route_grants_nothing() -> None:
    with pytest.raises(ValueError, match="no routed log group to grant"):
        routed_groups_policy([], "fleet-prod", REGION, ACCOUNT, "aws")


def test_the_collector_roles_inline_policy_round_trips_through_moto() -> None:
    """IAM (moto, calls checked against the service model) stores the document unchanged."""
    _, built = rendered("three")
    (role,) = [r for r in built.of_type("aws:iam/role:Role") if r["name"].endswith("-agent-role")]
    (inline,) = [
        p
        for p in built.of_type("aws:iam/rolePolicy:RolePolicy")
        if p["name"].endswith("-agent-routed-groups")
    ]
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        # The role is auto-named: its physical name is the id the policy refers to.
        created = aws_calls.create_role({**role["inputs"], "name": role["outputs"]["name"]})
        assert model_problems("iam", "CreateRole", created) == []
        iam.create_role(**created)
        call = aws_calls.put_role_policy(inline["inputs"])
        assert call["RoleName"] == created["RoleName"]
        assert call["PolicyName"] == ROUTED_GROUPS_POLICY
        assert model_problems("iam", "PutRolePolicy", call) == []
        iam.put_role_policy(**call)
        stored = iam.get_role_policy(RoleName=call["RoleName"], PolicyName=ROUTED_GROUPS_POLICY)
    assert stored["PolicyDocument"] == json.loads(call["PolicyDocument"])
