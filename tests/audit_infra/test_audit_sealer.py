"""The sealing CronJob as rendered, and what its role may do, decided by the IAM evaluator.

AuditTrail and AuditSealer are rendered together under Pulumi's mocks from hand-made args,
as Platform wires them; the role's only policy is the trail's writer policy, judged by
``tools/iam-simulate`` with the archive's bucket policy as the resource policy.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.audit_sealer import AuditSealer, AuditSealerArgs
from components.audit_trail import AuditTrail
from tests.audit_infra.built import TAGS, trail_args
from tests.audit_infra.mocks import ACCOUNT, REGION, RecordingMocks, refused, render
from tests.tenancy.iam_simulator import (
    ALLOWED,
    EXPLICITLY_DENIED,
    IMPLICITLY_DENIED,
    Request,
    decide,
)

OPS_IMAGE = "ghcr.io/acme-platform/mcp-fleet-ops@sha256:" + "ab" * 32
OIDC = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.{REGION}.amazonaws.com/id/ABC123"
CRON_JOB = "kubernetes:batch/v1:CronJob"


def sealer_args(audit: AuditTrail, **overrides: Any) -> AuditSealerArgs:
    values: dict[str, Any] = {
        "name_prefix": "mcp-fleet-prod",
        "namespace": "mcp-audit",
        "oidc_provider_arn": OIDC,
        "ops_image": OPS_IMAGE,
        "region": REGION,
        "bucket_name": audit.bucket_name,
        "log_group_name": audit.log_group_name,
        "writer_policy_arn": audit.writer_policy_arn,
        "retention_years": 10,
        "labels": {"app.kubernetes.io/part-of": "mcp-fleet"},
        "tags": TAGS,
    }
    return AuditSealerArgs(**(values | overrides))


def build(**overrides: Any) -> RecordingMocks:
    def program() -> None:
        audit = AuditTrail("audit", trail_args())
        AuditSealer("sealer", sealer_args(audit, **overrides))

    return render(program)


@pytest.fixture
def rendered() -> RecordingMocks:
    return build()


def test_one_run_at_a_time_every_five_minutes_from_the_pinned_ops_image(
    rendered: RecordingMocks,
) -> None:
    cron = rendered.one(CRON_JOB)
    spec = cron["spec"]
    assert (cron["metadata"]["name"], cron["metadata"]["namespace"]) == ("audit-seal", "mcp-audit")
    assert (spec["schedule"], spec["timeZone"]) == ("*/5 * * * *", "Etc/UTC")
    assert spec["concurrencyPolicy"] == "Forbid"
    job = spec["jobTemplate"]["spec"]
    assert (job["backoffLimit"], job["activeDeadlineSeconds"]) == (0, 240)
    pod = job["template"]["spec"]
    assert pod["serviceAccountName"] == "audit-sealer"
    assert pod["automountServiceAccountToken"] is False
    (container,) = pod["containers"]
    assert container["image"] == OPS_IMAGE
    assert container["command"] == ["python", "-m", "ops"]
    bucket = rendered.ids["audit-archive"]
    assert container["args"] == [
        "audit", "seal", "--bucket", bucket, "--prefix", "audit",
        "--log-group", "/mcp-fleet-prod/audit", "--retention-years", "10",
        "--settle-seconds", "120", "--lookback-minutes", "60", "--publish-metric",
    ]  # fmt: skip
    env = {item["name"]: item["value"] for item in container["env"]}
    assert env["AWS_REGION"] == REGION
    context = container["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["readOnlyRootFilesystem"] is True


def test_its_namespace_is_restricted_and_its_account_assumes_only_its_role(
    rendered: RecordingMocks,
) -> None:
    namespace = rendered.one("kubernetes:core/v1:Namespace")
    assert namespace["metadata"]["name"] == "mcp-audit"
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    account = rendered.one("kubernetes:core/v1:ServiceAccount")
    role = rendered.one("aws:iam/role:Role", "sealer-role")
    assert account["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": rendered.outputs["sealer-role"]["arn"]
    }
    assert role["name"] == "mcp-fleet-prod-audit-sealer"
    trust = json.loads(role["assumeRolePolicy"])["Statement"][0]
    issuer = OIDC.split(":oidc-provider/")[1]
    assert trust["Condition"]["StringEquals"] == {
        f"{issuer}:sub": "system:serviceaccount:mcp-audit:audit-sealer",
        f"{issuer}:aud": "sts.amazonaws.com",
    }


def test_the_role_carries_exactly_the_writer_policy(rendered: RecordingMocks) -> None:
    attachments = rendered.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert [a["policyArn"] for a in attachments] == [rendered.outputs["audit-writer"]["arn"]]
    (inline,) = rendered.of_type("aws:iam/rolePolicy:RolePolicy")
    assert inline["role"] == "mcp-fleet-prod-audit-sealer"


def test_the_role_publishes_metrics_only_into_the_audit_namespace(
    rendered: RecordingMocks,
) -> None:
    """Read from the document: tools/iam-simulate refuses PutMetricData (no resource type,
    so only a wildcard result), so the namespace condition is asserted as rendered."""
    (inline,) = rendered.of_type("aws:iam/rolePolicy:RolePolicy")
    assert json.loads(inline["policy"])["Statement"] == [
        {
            "Sid": "PublishSealLag",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": "McpFleet/Audit"}},
        }
    ]


def test_the_seal_lag_alarm_watches_the_published_metric() -> None:
    from components.audit_seal_alarm import METRIC_NAMESPACE, schedule_interval_minutes
    from ops.metrics import AUDIT_NAMESPACE

    assert METRIC_NAMESPACE == AUDIT_NAMESPACE
    assert schedule_interval_minutes("*/5 * * * *") == 5
    with pytest.raises(ValueError, match="needs"):
        schedule_interval_minutes("0 * * * *")


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ({"ops_image": "ghcr.io/acme-platform/mcp-fleet-ops:1.2"}, "is not pinned"),
        ({"schedule": "every 5 minutes"}, "is not a five-field cron"),
        ({"lookback_minutes": 0}, "lookback_minutes 0"),
    ],
)
def test_wrong_args_are_refused_before_anything_is_created(
    override: dict[str, Any], problem: str
) -> None:
    def program() -> None:
        audit = AuditTrail("audit", trail_args())
        AuditSealer("sealer", sealer_args(audit, **override))

    message, mocks = refused(program)
    assert problem in message
    assert not [r for r in mocks.created if r.typ == CRON_JOB]


SEALER = f"arn:aws:iam::{ACCOUNT}:role/mcp-fleet-prod-audit-sealer"
RECORD = "audit/2026/11/26/000000000001-000000000004.jsonl.gz"
TLS: dict[str, str | list[str]] = {
    "aws:SecureTransport": "true",
    "s3:TlsVersion": "1.3",
    "aws:PrincipalArn": SEALER,
}
HTTPS: dict[str, str | list[str]] = {"aws:SecureTransport": "true", "aws:PrincipalArn": SEALER}


def test_the_sealer_reads_the_group_appends_and_locks_but_never_deletes(
    rendered: RecordingMocks,
) -> None:
    writer = json.loads(rendered.one("aws:iam/policy:Policy")["policy"])
    bucket_policy = json.loads(
        rendered.one("aws:s3/bucketPolicy:BucketPolicy", "audit-archive-policy")["policy"]
    )
    bucket = f"arn:aws:s3:::{rendered.ids['audit-archive']}"
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/mcp-fleet-prod/audit"
    other = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/containerinsights/prod/application"
    key = str(rendered.outputs["audit-key"]["arn"])

    key_policy = json.loads(rendered.one("aws:kms/key:Key", "audit-key")["policy"])

    def ask(action: str, resource: str, s3: bool = False) -> Request:
        return Request(
            principal=f"arn:aws:sts::{ACCOUNT}:assumed-role/mcp-fleet-prod-audit-sealer/run",
            action=action,
            resource=resource,
            account=ACCOUNT,
            identity_policies={"writer": writer},
            resource_policy=bucket_policy
            if s3
            else key_policy
            if action.startswith("kms:")
            else None,
            context=TLS if s3 else HTTPS,
        )

    cases = {
        "read the audit group": (ask("logs:FilterLogEvents", group), ALLOWED),
        "read another group": (ask("logs:FilterLogEvents", other), IMPLICITLY_DENIED),
        "write the audit group": (
            ask("logs:PutLogEvents", f"{group}:log-stream:node-1"),
            IMPLICITLY_DENIED,
        ),
        "put a batch": (ask("s3:PutObject", f"{bucket}/{RECORD}", True), ALLOWED),
        "lock it": (ask("s3:PutObjectRetention", f"{bucket}/{RECORD}", True), ALLOWED),
        "read the head": (ask("s3:GetObject", f"{bucket}/{RECORD}", True), ALLOWED),
        "check the lock": (ask("s3:GetBucketObjectLockConfiguration", bucket, True), ALLOWED),
        "encrypt with the key": (ask("kms:GenerateDataKey", key), ALLOWED),
        "delete a batch": (ask("s3:DeleteObject", f"{bucket}/{RECORD}", True), EXPLICITLY_DENIED),
        "delete a version": (
            ask("s3:DeleteObjectVersion", f"{bucket}/{RECORD}", True),
            EXPLICITLY_DENIED,
        ),
        "write outside audit/": (
            ask("s3:PutObject", f"{bucket}/cloudtrail/AWSLogs/x.json.gz", True),
            IMPLICITLY_DENIED,
        ),
        "delete the log group": (ask("logs:DeleteLogGroup", group), IMPLICITLY_DENIED),
    }
    decisions = decide([request for request, _ in cases.values()])
    assert dict(zip(cases, decisions, strict=True)) == {k: v for k, (_, v) in cases.items()}
