"""What AuditTrail declares, created through boto3 in moto and read back unchanged.

The component is rendered under mocks in moto's account, each resource turned into the call
the provider makes (checked against the botocore service model: enums, maximums,
patterns), sent to moto and read back: key, archive bucket (Object Lock default retention,
versioning, encryption, lifecycle, policy), trail, log group and saved queries, Glue
database and table, Athena workgroup, writer policy. Then a record written to the archive
is locked in COMPLIANCE mode and moto refuses to delete it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from components.audit_retention import LockRetention
from tests.audit_infra import aws_calls
from tests.audit_infra.built import build, trail_args
from tests.audit_infra.mocks import REGION, RecordingMocks
from tests.tenancy.service_model import model_problems

MOTO_ACCOUNT = "123456789012"
"""moto's default account: rendered ARNs (trail, log group, break-glass role) are moto's."""
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)


def checked(service: str, operation: str, call: dict[str, Any]) -> dict[str, Any]:
    assert model_problems(service, operation, call) == [], (operation, call)
    return call


class Replayed:
    """The rendered trail created in moto: the clients, the key map, the rendered inputs."""

    def __init__(self, mocks: RecordingMocks) -> None:
        self.mocks = mocks
        self.query_calls: list[dict[str, Any]] = []
        self.s3: Any = boto3.client("s3", region_name=REGION)
        """Untyped: the calls are built from rendered inputs as plain dicts."""
        self.keys: dict[str, str] = {}
        self.archive = mocks.ids["audit-archive"]

    def key(self) -> None:
        inputs = self.mocks.one("aws:kms/key:Key")
        call = checked(
            "kms",
            "CreateKey",
            {
                "Description": inputs["description"],
                "Policy": inputs["policy"],
                "Tags": aws_calls.tag_list(inputs["tags"], "TagKey", "TagValue"),
            },
        )
        created = boto3.client("kms", region_name=REGION).create_key(**call)["KeyMetadata"]
        self.keys[self.mocks.outputs["audit-key"]["arn"]] = created["Arn"]

    def bucket(self, logical: str) -> None:
        inputs = self.mocks.one("aws:s3/bucket:Bucket", logical)
        name = self.mocks.ids[logical]
        self.s3.create_bucket(
            Bucket=name,
            CreateBucketConfiguration={"LocationConstraint": REGION},
            ObjectLockEnabledForBucket=inputs.get("objectLockEnabled") is True,
        )
        self.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        block = self.mocks.one(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"{logical}-public-access"
        )
        self.s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": block["blockPublicAcls"],
                "IgnorePublicAcls": block["ignorePublicAcls"],
                "BlockPublicPolicy": block["blockPublicPolicy"],
                "RestrictPublicBuckets": block["restrictPublicBuckets"],
            },
        )
        self.s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration=aws_calls.encryption(
                self.mocks.one(ENCRYPTION, f"{logical}-encryption"), self.keys
            ),
        )
        rules = self.mocks.one(LIFECYCLE, f"{logical}-lifecycle")["rules"]
        self.s3.put_bucket_lifecycle_configuration(
            Bucket=name,
            LifecycleConfiguration={"Rules": [aws_calls.lifecycle_rule(r) for r in rules]},
        )
        if logical == "audit-archive":
            self.s3.put_object_lock_configuration(
                Bucket=name,
                ObjectLockConfiguration=aws_calls.lock_configuration(self.mocks.one(LOCK)),
            )
        policy = self.mocks.one("aws:s3/bucketPolicy:BucketPolicy", f"{logical}-policy")
        self.s3.put_bucket_policy(Bucket=name, Policy=aws_calls.swap(policy["policy"], self.keys))

    def everything(self) -> None:
        self.key()
        self.bucket("audit-archive")
        self.bucket("audit-results")
        trail = aws_calls.create_trail(self.mocks.one("aws:cloudtrail/trail:Trail"), self.keys)
        cloudtrail = boto3.client("cloudtrail", region_name=REGION)
        cloudtrail.create_trail(**checked("cloudtrail", "CreateTrail", trail))
        cloudtrail.start_logging(Name=trail["Name"])
        group = self.mocks.one("aws:cloudwatch/logGroup:LogGroup")
        logs = boto3.client("logs", region_name=REGION)
        logs.create_log_group(
            logGroupName=group["name"], kmsKeyId=self.keys[group["kmsKeyId"]], tags=group["tags"]
        )
        logs.put_retention_policy(
            logGroupName=group["name"], retentionInDays=group["retentionInDays"]
        )
        # moto 5.2.5 has no PutQueryDefinition: the calls are checked against the service
        # model here and kept; test_moto_still_lacks_query_definitions pins the gap.
        self.query_calls = [
            checked("logs", "PutQueryDefinition", aws_calls.put_query_definition(query))
            for query in self.mocks.of_type("aws:cloudwatch/queryDefinition:QueryDefinition")
        ]
        glue = boto3.client("glue", region_name=REGION)
        database = self.mocks.one("aws:glue/catalogDatabase:CatalogDatabase")
        glue.create_database(
            DatabaseInput={"Name": database["name"], "Description": database["description"]}
        )
        table = self.mocks.one("aws:glue/catalogTable:CatalogTable")
        # Not model-checked: Glue's patterns spell UTF-16 surrogate ranges (\uD800\uDC00-...)
        # that no Python regular expression engine reads; botocore still checks the shapes.
        glue.create_table(**aws_calls.glue_table(table))
        workgroup = aws_calls.create_work_group(
            self.mocks.one("aws:athena/workgroup:Workgroup"), self.keys
        )
        boto3.client("athena", region_name=REGION).create_work_group(
            **checked("athena", "CreateWorkGroup", workgroup)
        )
        writer = self.mocks.one("aws:iam/policy:Policy")
        boto3.client("iam").create_policy(
            **checked(
                "iam",
                "CreatePolicy",
                {
                    "PolicyName": writer["name"],
                    "Description": writer["description"],
                    "PolicyDocument": aws_calls.swap(writer["policy"], self.keys),
                },
            )
        )


@pytest.fixture
def replayed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Replayed]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    mocks = build(trail_args(retention=LockRetention(years=7)), account=MOTO_ACCOUNT)
    with mock_aws():
        replay = Replayed(mocks)
        replay.everything()
        yield replay


def test_the_archive_lock_reads_back_compliance_for_the_years(replayed: Replayed) -> None:
    lock = replayed.s3.get_object_lock_configuration(Bucket=replayed.archive)
    retention = lock["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    # moto 5.2.5 answers ``Days: 0`` beside ``Years``; S3 returns only the one that was set.
    assert retention.pop("Days", 0) == 0
    assert lock["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 7}},
    }
    versioning = replayed.s3.get_bucket_versioning(Bucket=replayed.archive)
    assert versioning["Status"] == "Enabled"


def test_the_archive_policy_encryption_and_lifecycle_read_back(replayed: Replayed) -> None:
    policy = json.loads(replayed.s3.get_bucket_policy(Bucket=replayed.archive)["Policy"])
    rendered = replayed.mocks.one("aws:s3/bucketPolicy:BucketPolicy", "audit-archive-policy")
    assert policy == json.loads(aws_calls.swap(rendered["policy"], replayed.keys))
    (rule,) = replayed.s3.get_bucket_encryption(Bucket=replayed.archive)[
        "ServerSideEncryptionConfiguration"
    ]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": next(iter(replayed.keys.values())),
    }
    rules = replayed.s3.get_bucket_lifecycle_configuration(Bucket=replayed.archive)["Rules"]
    assert {r["ID"] for r in rules} == {"archive-colder", "abort-incomplete-uploads"}
    assert not any("Expiration" in r for r in rules)


def test_a_record_written_to_the_archive_is_locked_and_cannot_be_deleted(
    replayed: Replayed,
) -> None:
    # Without the policy: moto evaluates bucket-policy conditions without a request context
    # (no aws:SecureTransport, no TLS version), so its TLS denies match every call, and the
    # policy's own delete deny would hide whether the lock refuses. The lock alone is tested.
    replayed.s3.delete_bucket_policy(Bucket=replayed.archive)
    key = "audit/2026/11/26/000000000001-000000000001.jsonl.gz"
    put = replayed.s3.put_object(
        Bucket=replayed.archive, Key=key, Body=b"record", ChecksumAlgorithm="SHA256"
    )
    head = replayed.s3.head_object(Bucket=replayed.archive, Key=key)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"].year >= 2026 + 7
    with pytest.raises(ClientError) as refused:
        replayed.s3.delete_object(Bucket=replayed.archive, Key=key, VersionId=put["VersionId"])
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    kept = replayed.s3.head_object(Bucket=replayed.archive, Key=key, VersionId=put["VersionId"])
    assert kept["VersionId"] == put["VersionId"]


def test_the_trail_reads_back_multi_region_validated_and_encrypted(replayed: Replayed) -> None:
    cloudtrail = boto3.client("cloudtrail", region_name=REGION)
    trail = cloudtrail.get_trail(Name="mcp-fleet-prod-audit")["Trail"]
    assert trail["S3BucketName"] == replayed.archive
    assert trail["S3KeyPrefix"] == "cloudtrail"
    assert trail["IsMultiRegionTrail"] is True
    assert trail["IncludeGlobalServiceEvents"] is True
    assert trail["LogFileValidationEnabled"] is True
    assert trail["KmsKeyId"] == next(iter(replayed.keys.values()))
    assert cloudtrail.get_trail_status(Name="mcp-fleet-prod-audit")["IsLogging"] is True


def test_the_log_group_reads_back_and_the_saved_queries_fit_the_api(
    replayed: Replayed,
) -> None:
    logs = boto3.client("logs", region_name=REGION)
    (group,) = logs.describe_log_groups(logGroupNamePrefix="/mcp-fleet-prod/audit")["logGroups"]
    assert group["retentionInDays"] == 365
    assert group["kmsKeyId"] == next(iter(replayed.keys.values()))
    assert sorted(call["name"] for call in replayed.query_calls) == [
        "mcp-fleet-prod/audit/what-did-tenant-do",
        "mcp-fleet-prod/audit/who-called-tool",
        "mcp-fleet-prod/audit/who-promoted-server",
    ]
    for call in replayed.query_calls:
        assert call["logGroupNames"] == [group["logGroupName"]]
        assert len(call["queryString"]) <= 10000


def test_moto_still_lacks_query_definitions(replayed: Replayed) -> None:
    """When this fails, moto has PutQueryDefinition: send the calls above and read them back."""
    logs = boto3.client("logs", region_name=REGION)
    with pytest.raises(NotImplementedError, match="put_query_definition"):
        logs.put_query_definition(**replayed.query_calls[0])


def test_the_glue_table_and_athena_workgroup_read_back(replayed: Replayed) -> None:
    glue = boto3.client("glue", region_name=REGION)
    table = glue.get_table(DatabaseName="mcp_fleet_prod_audit", Name="records")["Table"]
    call = aws_calls.glue_table(replayed.mocks.one("aws:glue/catalogTable:CatalogTable"))
    expected = call["TableInput"]
    assert table["Parameters"] == expected["Parameters"]
    assert table["PartitionKeys"] == expected["PartitionKeys"]
    assert table["StorageDescriptor"]["Columns"] == expected["StorageDescriptor"]["Columns"]
    assert table["StorageDescriptor"]["SerdeInfo"] == expected["StorageDescriptor"]["SerdeInfo"]
    assert table["StorageDescriptor"]["Location"] == f"s3://{replayed.archive}/audit/"
    athena = boto3.client("athena", region_name=REGION)
    workgroup = athena.get_work_group(WorkGroup="mcp-fleet-prod-audit")["WorkGroup"]
    result = workgroup["Configuration"]["ResultConfiguration"]
    assert result["OutputLocation"] == f"s3://{replayed.mocks.ids['audit-results']}/athena-results/"
    assert result["EncryptionConfiguration"] == {
        "EncryptionOption": "SSE_KMS",
        "KmsKey": next(iter(replayed.keys.values())),
    }


def test_the_writer_policy_reads_back(replayed: Replayed) -> None:
    iam = boto3.client("iam")
    arn = f"arn:aws:iam::{MOTO_ACCOUNT}:policy/mcp-fleet-prod-audit-writer"
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    rendered = replayed.mocks.one("aws:iam/policy:Policy")["policy"]
    assert document == json.loads(aws_calls.swap(rendered, replayed.keys))


def test_the_policy_refuses_a_delete_marker_which_the_lock_does_not(replayed: Replayed) -> None:
    """Object Lock keeps versions but lets anyone with DeleteObject hide one behind a marker;
    the policy's deny stops that. Only that statement is kept: moto matches the TLS denies
    on every call (no request context) and does not judge bucket-level actions
    (PutLifecycleConfiguration) by the bucket policy at all, so those stay render-checked."""
    policy = json.loads(replayed.s3.get_bucket_policy(Bucket=replayed.archive)["Policy"])
    delete_deny = [s for s in policy["Statement"] if s["Sid"] == "DenyDeletesAndLockChanges"]
    key = "audit/2026/11/26/000000000001-000000000001.jsonl.gz"
    replayed.s3.delete_bucket_policy(Bucket=replayed.archive)
    replayed.s3.put_object(Bucket=replayed.archive, Key=key, Body=b"r", ChecksumAlgorithm="SHA256")
    replayed.s3.delete_object(Bucket=replayed.archive, Key=key)  # the lock allows a marker
    replayed.s3.put_object(Bucket=replayed.archive, Key=key, Body=b"r", ChecksumAlgorithm="SHA256")
    replayed.s3.put_bucket_policy(
        Bucket=replayed.archive, Policy=json.dumps(policy | {"Statement": delete_deny})
    )
    with pytest.raises(ClientError) as refused:
        replayed.s3.delete_object(Bucket=replayed.archive, Key=key)
    assert refused.value.response["Error"]["Code"] in {"AccessDenied", "403"}
    assert replayed.s3.head_object(Bucket=replayed.archive, Key=key)["ContentLength"] == 1
