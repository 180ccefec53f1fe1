"""AuditTrail under mocks: every rendered setting of key, log group, archive, trail and search."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pytest

from components.audit_bucket_policy import PROTECTED_ACTIONS
from components.audit_retention import LockRetention
from components.audit_trail import AuditTrail, AuditTrailArgs
from tests.audit_infra.built import BREAK_GLASS, TAGS, build, trail_args
from tests.audit_infra.mocks import ACCOUNT, REGION, RecordingMocks, refused

BUCKET = "aws:s3/bucket:Bucket"
TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/mcp-fleet-prod-audit"
LOG_GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/mcp-fleet-prod/audit"


@pytest.fixture
def rendered() -> RecordingMocks:
    return build()


def statements(document: str) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in json.loads(document)["Statement"]}


def key_arn(mocks: RecordingMocks) -> str:
    return str(mocks.outputs["audit-key"]["arn"])


def test_the_component_type_and_its_children_are_prefixed(rendered: RecordingMocks) -> None:
    (component,) = [r for r in rendered.created if r.typ == "mcp-fleet:audit:AuditTrail"]
    assert component.name == "audit"
    assert all(r.name.startswith("audit") for r in rendered.created)


def test_the_key_rotates_and_admits_only_the_log_group_and_the_trail(
    rendered: RecordingMocks,
) -> None:
    key = rendered.one("aws:kms/key:Key")
    assert key["enableKeyRotation"] is True
    assert key["deletionWindowInDays"] == 30
    assert rendered.one("aws:kms/alias:Alias")["name"] == "alias/mcp-fleet-prod-audit"
    found = statements(key["policy"])
    assert found["AccountAdministersKey"]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    logs = found["AuditLogGroupOnly"]
    assert logs["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}
    assert logs["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": LOG_GROUP_ARN}}
    trail = found["CloudTrailEncryptsThisTrail"]
    assert trail["Action"] == "kms:GenerateDataKey*"
    assert trail["Condition"]["StringEquals"] == {"aws:SourceArn": TRAIL_ARN}
    assert trail["Condition"]["StringLike"] == {
        "kms:EncryptionContext:aws:cloudtrail:arn": TRAIL_ARN
    }
    assert found["CloudTrailDescribesKey"]["Condition"] == {
        "StringEquals": {"aws:SourceArn": TRAIL_ARN}
    }


def test_the_log_group_is_encrypted_and_keeps_the_configured_days(
    rendered: RecordingMocks,
) -> None:
    group = rendered.one("aws:cloudwatch/logGroup:LogGroup")
    assert group["name"] == "/mcp-fleet-prod/audit"
    assert group["retentionInDays"] == 365
    assert group["kmsKeyId"] == key_arn(rendered)
    assert group["tags"] == TAGS


def test_the_archive_is_locked_in_compliance_mode_for_the_configured_years(
    rendered: RecordingMocks,
) -> None:
    archive = rendered.one(BUCKET, "-archive")
    assert archive["objectLockEnabled"] is True
    assert archive["forceDestroy"] is False
    assert archive["bucketPrefix"] == "mcp-fleet-prod-audit-"
    lock = rendered.one("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert lock["objectLockEnabled"] == "Enabled"
    assert lock["rule"] == {"defaultRetention": {"mode": "COMPLIANCE", "years": 7}}


def test_a_lock_in_days_is_rendered_in_days() -> None:
    mocks = build(trail_args(retention=LockRetention(days=400)))
    lock = mocks.one("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert lock["rule"] == {"defaultRetention": {"mode": "COMPLIANCE", "days": 400}}


def test_the_archive_is_versioned_private_and_encrypted_with_the_audit_key(
    rendered: RecordingMocks,
) -> None:
    versioning = rendered.one("aws:s3/bucketVersioning:BucketVersioning", "archive-versioning")
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}
    block = rendered.one(
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "archive-public-access"
    )
    assert all(
        block[k]
        for k in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    )
    (rule,) = rendered.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "archive-encryption",
    )["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": key_arn(rendered),
    }
    assert rule["bucketKeyEnabled"] is True


def expirations(rules: list[dict[str, Any]]) -> list[int]:
    found = []
    for rule in rules:
        found += [rule[k]["days"] for k in ("expiration",) if rule.get(k)]
        found += [
            rule[k]["noncurrentDays"] for k in ("noncurrentVersionExpiration",) if rule.get(k)
        ]
    return found


def test_the_archive_lifecycle_never_expires_by_default(rendered: RecordingMocks) -> None:
    rules = rendered.one(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "archive-lifecycle"
    )["rules"]
    assert expirations(rules) == []
    colder = next(r for r in rules if r["id"] == "archive-colder")
    assert colder["transitions"] == [{"storageClass": "GLACIER_IR", "days": 90}]


def test_an_expiration_is_no_shorter_than_the_lock() -> None:
    mocks = build(trail_args(archive_expiration_days=7 * 366))
    rules = mocks.one(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "archive-lifecycle"
    )["rules"]
    assert expirations(rules) == [2562, 2562]
    assert min(expirations(rules)) >= LockRetention(years=7).longest_days


def test_the_archive_policy_is_tls_only_and_denies_deletes_to_all_but_break_glass(
    rendered: RecordingMocks,
) -> None:
    policy = rendered.one("aws:s3/bucketPolicy:BucketPolicy", "archive-policy")
    found = statements(policy["policy"])
    bucket_arn = f"arn:aws:s3:::{rendered.ids['audit-archive']}"
    assert found["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert found["DenyTlsBelow12"]["Condition"] == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}
    protected = found["DenyDeletesAndLockChanges"]
    assert (protected["Effect"], protected["Principal"]) == ("Deny", "*")
    assert set(protected["Action"]) == set(PROTECTED_ACTIONS)
    assert {"s3:DeleteObject", "s3:DeleteObjectVersion"} <= set(protected["Action"])
    assert {"s3:PutBucketObjectLockConfiguration", "s3:PutLifecycleConfiguration"} <= set(
        protected["Action"]
    )
    assert protected["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": BREAK_GLASS}}
    assert protected["Resource"] == [bucket_arn, f"{bucket_arn}/*"]
    allows = [s for s in found.values() if s["Effect"] == "Allow"]
    assert all(s["Principal"] == {"Service": "cloudtrail.amazonaws.com"} for s in allows)


def test_without_a_break_glass_role_nobody_is_excepted() -> None:
    mocks = build(trail_args(break_glass_role_arn=None))
    policy = mocks.one("aws:s3/bucketPolicy:BucketPolicy", "archive-policy")
    assert "Condition" not in statements(policy["policy"])["DenyDeletesAndLockChanges"]


def test_cloudtrail_writes_only_its_own_prefix_for_this_trail(rendered: RecordingMocks) -> None:
    found = statements(rendered.one("aws:s3/bucketPolicy:BucketPolicy", "archive-policy")["policy"])
    write = found["CloudTrailWrite"]
    assert write["Action"] == "s3:PutObject"
    assert write["Resource"].endswith(f"/cloudtrail/AWSLogs/{ACCOUNT}/*")
    assert write["Condition"] == {
        "StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL_ARN}
    }
    assert found["CloudTrailAclCheck"]["Action"] == "s3:GetBucketAcl"


def test_the_policy_waits_for_the_lock_and_lifecycle_it_freezes_and_the_trail_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The policy denies changing lock and lifecycle, and CloudTrail checks the policy on
    create: Pulumi must order them, which only ``depends_on`` says (mocks see no order)."""
    waits: dict[str, list[str]] = {}
    original = pulumi.Resource.__init__

    def recorded(self: pulumi.Resource, t: str, name: str, *args: Any, **kwargs: Any) -> None:
        opts = kwargs.get("opts") or (args[2] if len(args) > 2 else None)
        waits[name] = [d._name for d in (getattr(opts, "depends_on", None) or [])]
        original(self, t, name, *args, **kwargs)

    monkeypatch.setattr(pulumi.Resource, "__init__", recorded)
    build()
    assert {"audit-archive-object-lock", "audit-archive-lifecycle"} <= set(
        waits["audit-archive-policy"]
    )
    assert waits["audit-cloudtrail"] == ["audit-archive-policy"]


def test_the_trail_is_multi_region_validated_and_encrypted(rendered: RecordingMocks) -> None:
    trail = rendered.one("aws:cloudtrail/trail:Trail")
    assert trail["name"] == "mcp-fleet-prod-audit"
    assert trail["isMultiRegionTrail"] is True
    assert trail["includeGlobalServiceEvents"] is True
    assert trail["enableLogFileValidation"] is True
    assert trail["enableLogging"] is True
    assert trail["kmsKeyId"] == key_arn(rendered)
    assert trail["s3KeyPrefix"] == "cloudtrail"
    assert trail["s3BucketName"] == rendered.ids["audit-archive"]


def test_the_insights_queries_ask_the_three_questions_on_the_audit_group(
    rendered: RecordingMocks,
) -> None:
    queries = {
        q["name"]: q for q in rendered.of_type("aws:cloudwatch/queryDefinition:QueryDefinition")
    }
    assert set(queries) == {
        "mcp-fleet-prod/audit/who-called-tool",
        "mcp-fleet-prod/audit/what-did-tenant-do",
        "mcp-fleet-prod/audit/who-promoted-server",
    }
    for query in queries.values():
        assert query["logGroupNames"] == ["/mcp-fleet-prod/audit"]
        assert "user" in query["queryString"]
    tool = queries["mcp-fleet-prod/audit/who-called-tool"]["queryString"]
    assert '"gateway.tool_call", "gateway.denial"' in tool
    assert "resource like /\\/tools\\/TOOL$/" in tool
    tenant = queries["mcp-fleet-prod/audit/what-did-tenant-do"]["queryString"]
    assert 'filter tenant = "TENANT"' in tenant
    promoted = queries["mcp-fleet-prod/audit/who-promoted-server"]["queryString"]
    assert 'event_type = "catalog.promotion"' in promoted
    assert 'resource = "servers/SERVER"' in promoted
    assert "details.from_stage" in promoted and "details.to_stage" in promoted


def test_the_writer_may_append_and_lock_but_never_delete(rendered: RecordingMocks) -> None:
    policy = rendered.one("aws:iam/policy:Policy")
    assert policy["name"] == "mcp-fleet-prod-audit-writer"
    found = statements(policy["policy"])
    allowed = {a for s in found.values() if s["Effect"] == "Allow" for a in s["Action"]}
    assert {"s3:PutObject", "s3:PutObjectRetention"} <= allowed
    assert not any(
        a.startswith("s3:Delete") or a == "s3:BypassGovernanceRetention" for a in allowed
    )
    assert found["AppendToArchive"]["Resource"].endswith("/audit/*")
    assert set(found["NeverDeleteOrUnlock"]["Action"]) == set(PROTECTED_ACTIONS)
    assert found["UseAuditKey"]["Resource"] == key_arn(rendered)


def test_glue_reads_the_archive_as_json_with_daily_partition_projection(
    rendered: RecordingMocks,
) -> None:
    database = rendered.one("aws:glue/catalogDatabase:CatalogDatabase")
    assert database["name"] == "mcp_fleet_prod_audit"
    table = rendered.one("aws:glue/catalogTable:CatalogTable")
    archive = rendered.one(BUCKET, "-archive")
    location = f"s3://{mocks_bucket(rendered, archive)}/audit/"
    assert table["tableType"] == "EXTERNAL_TABLE"
    assert table["partitionKeys"] == [{"name": "dt", "type": "string"}]
    parameters = table["parameters"]
    assert parameters["projection.enabled"] == "true"
    assert parameters["projection.dt.type"] == "date"
    assert parameters["projection.dt.format"] == "yyyy/MM/dd"
    assert parameters["projection.dt.range"] == "2026/01/01,NOW"
    assert parameters["storage.location.template"] == location + "${dt}/"
    storage = table["storageDescriptor"]
    assert storage["location"] == location
    assert storage["serDeInfo"]["serializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    columns = [c["name"] for c in storage["columns"]]
    assert columns[:3] == ["timestamp", "event_type", "user"]
    assert {"tenant", "reason", "trace_id", "sequence", "prev_hash", "hash"} <= set(columns)


def mocks_bucket(mocks: RecordingMocks, bucket_inputs: dict[str, Any]) -> str:
    return mocks.ids[bucket_inputs["__name"]]


def test_athena_results_are_encrypted_in_a_bucket_of_their_own(rendered: RecordingMocks) -> None:
    workgroup = rendered.one("aws:athena/workgroup:Workgroup")
    assert workgroup["name"] == "mcp-fleet-prod-audit"
    configuration = workgroup["configuration"]
    assert configuration["enforceWorkgroupConfiguration"] is True
    results = configuration["resultConfiguration"]
    results_bucket = mocks_bucket(rendered, rendered.one(BUCKET, "-results"))
    assert results["outputLocation"] == f"s3://{results_bucket}/athena-results/"
    assert results["encryptionConfiguration"] == {
        "encryptionOption": "SSE_KMS",
        "kmsKeyArn": key_arn(rendered),
    }
    assert "objectLockEnabled" not in rendered.one(BUCKET, "-results")
    rules = rendered.one(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "results-lifecycle"
    )["rules"]
    assert rules[0]["expiration"] == {"days": 30}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"retention": LockRetention()}, "exactly one of days or years"),
        ({"retention": LockRetention(days=1, years=1)}, "exactly one of days or years"),
        ({"retention": LockRetention(years=0)}, "keeps nothing"),
        ({"log_retention_days": 100}, "log_retention_days 100 is not one CloudWatch"),
        ({"archive_expiration_days": 2000}, "archive_expiration_days 2000 ends before"),
        ({"key_deletion_window_days": 3}, "key_deletion_window_days 3"),
        ({"cloudtrail_prefix": "audit"}, "must differ"),
        ({"archive_prefix": "a/b"}, "one path segment"),
        ({"break_glass_role_arn": "arn:aws:iam::1:user/x"}, "is not a role ARN"),
    ],
)
def test_a_wrong_arg_is_refused_before_any_resource(change: dict[str, Any], message: str) -> None:
    args = trail_args(**change)
    error, mocks = refused(lambda: AuditTrail("audit", args))
    assert re.search(f"^AuditTrail audit: .*{message}", error), error
    assert mocks.created == []


def test_args_carry_no_settings_object() -> None:
    assert all(
        not type(value).__module__.startswith("stacks") for value in vars(trail_args()).values()
    )
    assert isinstance(trail_args(), AuditTrailArgs)
