"""Finding the Backups component's resources in a rendered stack."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from review.render import RenderedStack
from stacks import load_settings
from tests.stacks.stack_config import raw_config

Resource = dict[str, Any]
STACKS = ["dev", "staging", "prod"]

BACKUPS = "mcp-fleet:backups:Backups"
BUCKET = "aws:s3/bucket:Bucket"
KEY = "aws:kms/key:Key"
ALIAS = "aws:kms/alias:Alias"
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
)
PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
CRON_JOB = "kubernetes:batch/v1:CronJob"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
NAMESPACE = "kubernetes:core/v1:Namespace"
SCHEDULE = "mcp-fleet:backup_schedule:BackupSchedule"

PRIMARY = "mcp-backups-bucket-primary"
REPLICA = "mcp-backups-bucket-replica"


@cache
def settings_of(stack: str) -> Any:
    return load_settings(raw_config(stack), project="mcp-fleet", stack=stack)


def component(result: RenderedStack) -> Resource:
    (found,) = result.of_type(BACKUPS)
    return found


def owned(result: RenderedStack, type_token: str) -> list[Resource]:
    """Resources of a type anywhere under the Backups component."""
    urn = component(result)["urn"]
    return [r for r in result.descendants_of(urn) if r["type"] == type_token]


def of_bucket(result: RenderedStack, type_token: str, bucket: str = PRIMARY) -> Resource:
    """The one resource of ``type_token`` configuring ``bucket`` (primary or replica)."""
    (found,) = [r for r in owned(result, type_token) if r["name"].startswith(f"{bucket}-")]
    return found


def the_bucket(result: RenderedStack, bucket: str = PRIMARY) -> Resource:
    return result.named(bucket)


def bucket_arn(result: RenderedStack, bucket: str = PRIMARY) -> str:
    return str(the_bucket(result, bucket)["outputs"]["arn"])


def bucket_name(result: RenderedStack, bucket: str = PRIMARY) -> str:
    return str(the_bucket(result, bucket)["outputs"]["bucket"])


def key_arn(result: RenderedStack, bucket: str = PRIMARY) -> str:
    return str(result.named(f"{bucket}-key")["outputs"]["arn"])


def document(resource: Resource, field: str = "policy") -> dict[str, Any]:
    value = resource["inputs"][field]
    assert isinstance(value, str), f"{resource['name']}.{field} is not rendered JSON"
    parsed: dict[str, Any] = json.loads(value)
    return parsed


def statements(resource: Resource, field: str = "policy") -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in document(resource, field)["Statement"]}


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return list(action) if isinstance(action, list) else [action]


def schedule_of(result: RenderedStack, dependency: str) -> Resource:
    (found,) = [r for r in owned(result, SCHEDULE) if r["name"] == f"mcp-backups-{dependency}"]
    return found


def in_schedule(result: RenderedStack, dependency: str, type_token: str) -> list[Resource]:
    urn = schedule_of(result, dependency)["urn"]
    return [r for r in result.descendants_of(urn) if r["type"] == type_token]


def cron_job(result: RenderedStack, dependency: str, component_name: str) -> Resource:
    (found,) = [
        r
        for r in in_schedule(result, dependency, CRON_JOB)
        if r["inputs"]["metadata"]["labels"]["app.kubernetes.io/component"] == component_name
    ]
    return found


def container(job: Resource) -> dict[str, Any]:
    pod = job["inputs"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (only,) = pod["containers"]
    result: dict[str, Any] = only
    return result


def pod_spec(job: Resource) -> dict[str, Any]:
    spec: dict[str, Any] = job["inputs"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return spec
