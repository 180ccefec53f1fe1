"""BackupSchedule under mocks, per stack and dependency: CronJobs, identity, IAM, age alarm."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.backup_iam import WRITER_MAY_NEVER
from components.labels import REQUIRED_KEYS
from stacks.backup_cadence import (
    active_deadline_seconds,
    age_alarm_threshold_seconds,
    backup_schedule,
    starting_deadline_seconds,
)
from tests.backups.rendered_backups import (
    ALARM,
    CRON_JOB,
    NAMESPACE,
    PAGE_TOPIC,
    ROLE,
    ROLE_POLICY,
    SCHEDULE,
    SERVICE_ACCOUNT,
    STACKS,
    actions,
    args_of,
    bucket_arn,
    bucket_name,
    built,
    component,
    container,
    cron_job,
    document,
    in_schedule,
    key_arn,
    owned,
    pod_spec,
    statements,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEPENDENCIES = {
    "dev": {"sessions": "redis"},
    "staging": {"sessions": "redis", "audit-db": "postgres"},
    "prod": {"sessions": "redis", "audit-db": "postgres", "server-config": "config"},
}
RPO = {"dev": 240, "staging": 60, "prod": 60}
URL_VARIABLE = {"postgres": "OPS_POSTGRES_URL", "redis": "OPS_REDIS_URL"}


def cases() -> list[tuple[str, str]]:
    return [(stack, dep) for stack in STACKS for dep in DEPENDENCIES[stack]]


def dependency_settings(stack: str, name: str) -> Any:
    (found,) = [d for d in args_of(stack).dependencies if d.name == name]
    return found


def only(resources: list[dict[str, Any]]) -> dict[str, Any]:
    (found,) = resources
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_one_schedule_per_declared_dependency(stack: str) -> None:
    result = built(stack)
    assert RPO[stack] == args_of(stack).jobs.rpo_minutes
    names = sorted(s["name"] for s in owned(result, SCHEDULE))
    assert names == sorted(f"mcp-backups-{d}" for d in DEPENDENCIES[stack])
    assert len(owned(result, CRON_JOB)) == 2 * len(DEPENDENCIES[stack])


@pytest.mark.parametrize(("stack", "dependency"), cases())
def test_backup_cron_job_runs_once_per_rpo_with_deadlines_inside_it(
    stack: str, dependency: str
) -> None:
    job = cron_job(built(stack), dependency, "backup")
    spec = job["inputs"]["spec"]
    rpo = RPO[stack]
    assert job["inputs"]["metadata"]["name"] == f"backup-{dependency}"
    assert job["inputs"]["metadata"]["namespace"] == "mcp-ops"
    assert spec["schedule"] == backup_schedule(rpo, dependency)
    assert spec["timeZone"] == "Etc/UTC"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["startingDeadlineSeconds"] == starting_deadline_seconds(rpo)
    job_spec = spec["jobTemplate"]["spec"]
    assert job_spec["activeDeadlineSeconds"] == active_deadline_seconds(rpo)
    assert 0 < spec["startingDeadlineSeconds"] < rpo * 60
    assert 0 < job_spec["activeDeadlineSeconds"] < rpo * 60
    assert spec["startingDeadlineSeconds"] + job_spec["activeDeadlineSeconds"] <= rpo * 60
    assert job_spec["backoffLimit"] == 2
    assert job_spec["ttlSecondsAfterFinished"] > rpo * 60
    assert spec["successfulJobsHistoryLimit"] == 3
    assert spec["failedJobsHistoryLimit"] == 3
    assert pod_spec(job)["restartPolicy"] == "Never"


def test_hourly_schedules_fire_at_the_dependencies_own_minutes() -> None:
    result = built("prod")
    schedules = [
        cron_job(result, d, "backup")["inputs"]["spec"]["schedule"] for d in DEPENDENCIES["prod"]
    ]
    for schedule in schedules:
        minute, hour, *_ = schedule.split()
        assert hour == "*" and minute.isdigit()
    assert len(set(schedules)) == len(schedules), "dependencies do not all fire at one minute"
    dev = cron_job(built("dev"), "sessions", "backup")["inputs"]["spec"]["schedule"]
    assert dev.split()[1] == "*/4", "dev's four-hour RPO backs up every four hours"


@pytest.mark.parametrize(("stack", "dependency"), cases())
def test_backup_runs_the_pinned_ops_image_with_the_target_arguments(
    stack: str, dependency: str
) -> None:
    result = built(stack)
    main = container(cron_job(result, dependency, "backup"))
    assert main["image"] == args_of(stack).jobs.ops_image
    assert "@sha256:" in main["image"]
    assert main["command"] == ["python", "-m", "ops"]
    expected_source = ["--config", "/config"] if DEPENDENCIES[stack][dependency] == "config" else []
    assert main["args"] == [
        "backup",
        *expected_source,
        "--bucket",
        bucket_name(result),
        "--prefix",
        f"{stack}/{dependency}",
        "--publish-metric",
        "--environment",
        stack,
        "--dependency",
        dependency,
    ]


@pytest.mark.parametrize(("stack", "dependency"), cases())
def test_connection_urls_come_only_from_secrets(stack: str, dependency: str) -> None:
    main = container(cron_job(built(stack), dependency, "backup"))
    kind = DEPENDENCIES[stack][dependency]
    from_secrets = {e["name"]: e["valueFrom"] for e in main["env"] if "valueFrom" in e}
    if kind == "config":
        assert from_secrets == {}
    else:
        secret = dependency_settings(stack, dependency).secret_name
        assert from_secrets == {
            URL_VARIABLE[kind]: {"secretKeyRef": {"name": secret, "key": "url", "optional": False}}
        }
    literal = [str(e.get("value", "")) for e in main["env"]] + [str(a) for a in main["args"]]
    assert not [v for v in literal if "://" in v], "no connection URL in plain config"
    assert not [a for a in main["args"] if "$(" in str(a)], "no secret expanded into argv"
    assert main["env"][0] == {"name": "AWS_REGION", "value": "eu-west-1"}


def test_config_dependency_archives_its_config_map_read_only() -> None:
    job = cron_job(built("prod"), "server-config", "backup")
    volumes = {v["name"]: v for v in pod_spec(job)["volumes"]}
    assert volumes["config"]["configMap"] == {"name": "mcp-server-config", "optional": False}
    mounts = {m["name"]: m for m in container(job)["volumeMounts"]}
    assert mounts["config"] == {"name": "config", "mountPath": "/config", "readOnly": True}


@pytest.mark.parametrize(("stack", "dependency"), cases())
def test_age_publisher_runs_every_five_minutes_as_the_same_identity(
    stack: str, dependency: str
) -> None:
    result = built(stack)
    job = cron_job(result, dependency, "backup-age")
    spec = job["inputs"]["spec"]
    assert job["inputs"]["metadata"]["name"] == f"backup-age-{dependency}"
    assert spec["schedule"] == "*/5 * * * *"
    assert spec["concurrencyPolicy"] == "Forbid"
    job_spec = spec["jobTemplate"]["spec"]
    assert spec["startingDeadlineSeconds"] + job_spec["activeDeadlineSeconds"] <= 300
    main = container(job)
    assert main["image"] == args_of(stack).jobs.ops_image
    assert main["args"] == [
        "backup-age",
        "--bucket",
        bucket_name(result),
        "--prefix",
        f"{stack}/{dependency}",
        "--publish-metric",
        "--environment",
        stack,
        "--dependency",
        dependency,
    ]
    assert not [e for e in main["env"] if "valueFrom" in e], "the age needs no credentials"
    assert pod_spec(job)["serviceAccountName"] == f"backup-{dependency}"


@pytest.mark.parametrize(("stack", "dependency"), cases())
def test_job_pods_meet_the_restricted_pod_security_standard(stack: str, dependency: str) -> None:
    result = built(stack)
    for component_name in ("backup", "backup-age"):
        job = cron_job(result, dependency, component_name)
        pod = pod_spec(job)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == 10001, "the ops image's own user"
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        security = container(job)["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["runAsNonRoot"] is True
        assert security["capabilities"] == {"drop": ["ALL"]}
        assert security["seccompProfile"] == {"type": "RuntimeDefault"}
        tmp = {v["name"]: v for v in pod["volumes"]}["tmp"]
        assert "emptyDir" in tmp
        assert {"name": "tmp", "mountPath": "/tmp"} in container(job)["volumeMounts"]
        assert set(REQUIRED_KEYS) <= set(job["inputs"]["metadata"]["labels"])
        assert job["inputs"]["metadata"]["labels"]["mcp-fleet.io/backup-dependency"] == dependency


@pytest.mark.parametrize(("stack", "dependency"), cases())
def test_service_account_is_bound_to_its_own_role(stack: str, dependency: str) -> None:
    result = built(stack)
    account = only(in_schedule(result, dependency, SERVICE_ACCOUNT))
    role = only(in_schedule(result, dependency, ROLE))
    metadata = account["inputs"]["metadata"]
    assert metadata["name"] == f"backup-{dependency}"
    assert metadata["namespace"] == "mcp-ops"
    assert metadata["annotations"] == {"eks.amazonaws.com/role-arn": role["outputs"]["arn"]}
    assert account["inputs"]["automountServiceAccountToken"] is False


@pytest.mark.parametrize(("stack", "dependency"), cases())
def test_role_trusts_only_this_service_account_through_the_cluster_oidc_provider(
    stack: str, dependency: str
) -> None:
    role = only(in_schedule(built(stack), dependency, ROLE))
    provider = args_of(stack).jobs.oidc_provider_arn
    issuer = provider.split(":oidc-provider/", 1)[1]
    assert issuer.startswith("oidc.eks.eu-west-1.amazonaws.com/id/")
    (trust,) = document(role, "assumeRolePolicy")["Statement"]
    assert trust["Effect"] == "Allow"
    assert trust["Principal"] == {"Federated": provider}
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Condition"] == {
        "StringEquals": {
            f"{issuer}:sub": f"system:serviceaccount:mcp-ops:backup-{dependency}",
            f"{issuer}:aud": "sts.amazonaws.com",
        }
    }


@pytest.mark.parametrize(("stack", "dependency"), cases())
def test_writer_may_use_only_its_own_prefix_and_key_and_never_delete(
    stack: str, dependency: str
) -> None:
    result = built(stack)
    policy = only(in_schedule(result, dependency, ROLE_POLICY))
    role = only(in_schedule(result, dependency, ROLE))
    assert policy["inputs"]["role"] == role["outputs"]["name"]
    found = statements(policy)
    arn, key = bucket_arn(result), key_arn(result)
    own = f"{arn}/{stack}/{dependency}/*"

    assert found["WriteOwnPrefix"]["Action"] == [
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
    ]
    assert found["WriteOwnPrefix"]["Resource"] == own
    assert (found["ReadOwnPrefix"]["Action"], found["ReadOwnPrefix"]["Resource"]) == (
        "s3:GetObject",
        own,
    )
    assert found["ListOwnPrefix"]["Resource"] == arn
    assert found["ListOwnPrefix"]["Condition"] == {
        "StringLike": {"s3:prefix": [f"{stack}/{dependency}/*"]}
    }
    assert found["UseBackupKey"]["Action"] == ["kms:GenerateDataKey", "kms:Encrypt", "kms:Decrypt"]
    assert found["UseBackupKey"]["Resource"] == key
    assert found["PublishBackupMetrics"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "McpFleet/Backups"}
    }

    allowed = [s for s in found.values() if s["Effect"] == "Allow"]
    for statement in allowed:
        for action in actions(statement):
            assert "Delete" not in action and "Bypass" not in action, action
            assert not action.endswith("*"), f"{action}: grants are spelled out"
        resources = statement["Resource"]
        for resource in resources if isinstance(resources, list) else [resources]:
            if resource.startswith("arn:aws:s3:::"):
                assert resource in (own, arn), resource
            if resource == arn:
                assert "s3:prefix" in json.dumps(statement.get("Condition", {}))

    denied = found["NeverDeleteOrUnprotect"]
    assert denied["Effect"] == "Deny"
    assert denied["Resource"] == [arn, f"{arn}/*"]
    assert denied["Action"] == list(WRITER_MAY_NEVER)
    for action in (
        "s3:DeleteObject*",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketPolicy",
        "s3:BypassGovernanceRetention",
    ):
        assert action in denied["Action"]
    assert found["NeverDestroyTheKey"]["Effect"] == "Deny"
    assert found["NeverDestroyTheKey"]["Resource"] == key


@pytest.mark.parametrize(("stack", "dependency"), cases())
def test_age_alarm_pages_when_the_newest_backup_is_older_than_rpo_plus_margin(
    stack: str, dependency: str
) -> None:
    result = built(stack)
    alarm = only(in_schedule(result, dependency, ALARM))["inputs"]
    rpo = RPO[stack]
    assert alarm["namespace"] == "McpFleet/Backups"
    assert alarm["metricName"] == "BackupAgeSeconds"
    assert alarm["dimensions"] == {"Environment": stack, "Dependency": dependency}
    assert alarm["statistic"] == "Maximum"
    assert alarm["comparisonOperator"] == "GreaterThanThreshold"
    assert alarm["threshold"] == age_alarm_threshold_seconds(rpo)
    assert rpo * 60 < alarm["threshold"] < 2 * rpo * 60
    assert alarm["treatMissingData"] == "breaching"
    assert alarm["period"] == 300
    assert alarm["evaluationPeriods"] == alarm["datapointsToAlarm"] == 2
    assert alarm["name"] == f"mcp-fleet-{stack}-backup-age-{dependency}"
    # Whatever actions the caller passes reach the alarm and its recovery; Platform passes
    # none in dev (test_backups_end_to_end.py checks the page topic in a whole stack).
    expected = list(args_of(stack).alarm_actions)
    assert expected == ([] if stack == "dev" else [PAGE_TOPIC])
    assert alarm.get("alarmActions", []) == alarm.get("okActions", []) == expected
    assert "docs/runbooks/backup-age.md" in alarm["alarmDescription"]
    assert alarm["tags"]["mcp-fleet.io/alarm-kind"] == "backup-age"
    assert set(REQUIRED_KEYS) <= set(alarm["tags"])


def test_the_runbook_the_alarm_names_exists() -> None:
    runbook = (PROJECT_DIR / "docs/runbooks/backup-age.md").read_text()
    for command in ("kubectl", "python -m ops backup", "python -m ops drill", "backup-age"):
        assert command in runbook


@pytest.mark.parametrize("stack", STACKS)
def test_jobs_live_in_a_restricted_namespace_on_the_stack_cluster(stack: str) -> None:
    result = built(stack)
    namespace = only(owned(result, NAMESPACE))
    labels = namespace["inputs"]["metadata"]["labels"]
    assert namespace["inputs"]["metadata"]["name"] == "mcp-ops"
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert set(REQUIRED_KEYS) <= set(labels)
    cluster = namespace["provider"]
    assert cluster and "pulumi:providers:kubernetes" in cluster
    for resource in result.descendants_of(component(result)["urn"]):
        if resource["type"].startswith("kubernetes:"):
            assert resource["provider"] == cluster, resource["name"]
