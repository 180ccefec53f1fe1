"""Backups built in-process from hand-made Args, and finding its resources.

Three hand-made variants mirror what the example stacks ask for (dev: 7 days, RPO 240, one
Redis; staging: 14 days, two dependencies; prod: 30 days, Object Lock, a replica region,
three dependencies), with each environment's own ``environment_policy``. Each builds the
``Backups`` component on its own under Pulumi's mocks, in this process; the Settings to
Args mapping is tested separately (tests/components/test_platform_args.py) and end to end
once (test_backups_end_to_end.py).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from components.backup_bucket import BackupBucketArgs
from components.backup_jobs import BackupJobs
from components.backups import Backups, BackupsArgs
from components.environment_policy import environment_policy
from review.render import RenderedStack
from stacks.environment import Environment
from stacks.settings import BackupDependency
from tests.components.factories import OIDC, fleet_tags
from tests.components.harness import build, cluster, on_cluster

Resource = dict[str, Any]
STACKS = ["dev", "staging", "prod"]
REGION = "eu-west-1"
OPS_IMAGE = (
    "ghcr.io/acme-platform/mcp-fleet-ops@sha256:"
    "7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730"
)
SESSIONS = BackupDependency(name="sessions", kind="redis", secret_name="sessions-redis-url")
AUDIT_DB = BackupDependency(name="audit-db", kind="postgres", secret_name="audit-db-url")
SERVER_CONFIG = BackupDependency(
    name="server-config", kind="config", config_map="mcp-server-config"
)
VARIANTS: dict[str, dict[str, Any]] = {
    "dev": {"retention": 7, "rpo": 240, "lock": False, "replica": None, "deps": (SESSIONS,)},
    "staging": {
        "retention": 14, "rpo": 60, "lock": False, "replica": None, "deps": (SESSIONS, AUDIT_DB),
    },
    "prod": {
        "retention": 30, "rpo": 60, "lock": True, "replica": "eu-central-1",
        "deps": (SESSIONS, AUDIT_DB, SERVER_CONFIG),
    },
}  # fmt: skip
PAGE_TOPIC = f"arn:aws:sns:{REGION}:111122223333:mcp-fleet-prod-page"


@cache
def args_of(stack: str) -> BackupsArgs:
    """The hand-made Args of a variant, named like the example stack it mirrors."""
    variant = VARIANTS[stack]
    policy = environment_policy(
        Environment(stack), page_from_dev=False, load_balancer_deletion_protection=True
    )
    return BackupsArgs(
        bucket=BackupBucketArgs(
            name_prefix=f"mcp-fleet-{stack}",
            title=f"mcp-fleet {stack}",
            environment=stack,
            region=REGION,
            replica_region=variant["replica"],
            object_lock=variant["lock"],
            retention_days=variant["retention"],
            stateful=policy.backups,
            tags=fleet_tags(stack),
        ),
        jobs=BackupJobs(
            environment=stack,
            region=REGION,
            namespace="mcp-ops",
            oidc_provider_arn=OIDC,
            ops_image=OPS_IMAGE,
            rpo_minutes=variant["rpo"],
            name_prefix=f"mcp-fleet-{stack}",
            labels={**fleet_tags(stack), "app.kubernetes.io/name": "fleet"},
            tags=fleet_tags(stack),
        ),
        dependencies=variant["deps"],
        alarm_actions=(PAGE_TOPIC,) if policy.notify else (),
    )


@cache
def built(stack: str) -> RenderedStack:
    """The Backups component of a variant, built once per test process (plain records)."""
    return build(
        lambda: Backups("mcp-backups", args_of(stack), opts=on_cluster(cluster())), stack=stack
    ).stack


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
