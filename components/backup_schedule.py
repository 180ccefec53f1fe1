"""BackupSchedule: one stateful dependency backed up once per RPO, and its age watched.

Per dependency: an IAM role (IRSA) that may write only the dependency's own prefix and never
delete, a ServiceAccount bound to it, a CronJob that runs ``python -m ops backup``, a second
CronJob that republishes the backup age every few minutes, and the alarm on that age.

Connection URLs reach the container only as environment variables read from Kubernetes
Secrets (``OPS_POSTGRES_URL`` / ``OPS_REDIS_URL``, which ``ops`` reads itself). They are not
put on the command line as ``$(VAR)`` either: an expanded argument is part of the process's
argv, which ``ps`` and ``/proc/*/cmdline`` show to anything in the pod; an environment
variable is not.

The age publisher is a separate CronJob because a metric that only the backup job publishes
stops when backups stop, exactly when it matters; with "missing data is breaching" the alarm
would still page, but the publisher lets it say how old the backups are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.backup_age_alarm import backup_age_alarm
from components.backup_iam import backup_writer_policy
from components.backup_jobs import BackupJobs
from components.irsa import irsa_trust_policy
from components.pod_security import restricted_container_context, restricted_pod_context
from policy.contract import PREFIX, component_type
from stacks.backup_cadence import (
    AGE_PUBLISH_ACTIVE_DEADLINE_SECONDS,
    AGE_PUBLISH_SCHEDULE,
    AGE_PUBLISH_STARTING_DEADLINE_SECONDS,
    active_deadline_seconds,
    backup_schedule,
    starting_deadline_seconds,
)
from stacks.settings import BackupDependency

RUN_AS_USER = 10001
"""The ops image's own non-root user (``USER 10001`` in ops/Dockerfile)."""
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
CONFIG_MOUNT = "/config"
DEPENDENCY_LABEL = f"{PREFIX}/backup-dependency"
COMPONENT_LABEL = "app.kubernetes.io/component"
SECRET_URL_KEY = "url"
URL_VARIABLE = {"postgres": "OPS_POSTGRES_URL", "redis": "OPS_REDIS_URL"}
"""Where ``ops`` reads a connection URL from when ``--postgres`` / ``--redis`` are not given."""
OPS_COMMAND = ["python", "-m", "ops"]
"""Spelled out rather than left to the image's entrypoint, so the manifest says what runs."""
TIME_ZONE = "Etc/UTC"
"""Explicit, so "hourly at :17" means the same in every cluster, whatever its controller's zone."""

BACKOFF_LIMIT = 2
"""Two retries inside the active deadline: a dropped connection should not cost a whole RPO."""
JOB_HISTORY = 3
FINISHED_JOB_TTL_SECONDS = 2 * 24 * 3600
"""A failed job (and its pod's logs) stays two days: long enough to read after a weekend."""


@dataclass(frozen=True)
class BackupScheduleArgs:
    jobs: BackupJobs
    dependency: BackupDependency
    namespace: pulumi.Input[str]
    """The backups namespace (its resource's name, so the jobs wait for it to exist)."""
    bucket_name: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    alarm_actions: Sequence[pulumi.Input[str]] = ()


def service_account_name(dependency: BackupDependency) -> str:
    return f"backup-{dependency.name}"


@dataclass(frozen=True)
class _Job:
    """What differs between the backup CronJob and the age-publishing one."""

    job_name: str
    component: str
    schedule: str
    starting_deadline: int
    active_deadline: int
    command_args: Sequence[pulumi.Input[str]]
    env: Sequence[k8s.core.v1.EnvVarArgs]
    config_map: str | None
    resources: k8s.core.v1.ResourceRequirementsArgs


class BackupSchedule(pulumi.ComponentResource):
    """IAM role, ServiceAccount, backup CronJob, backup-age CronJob, age alarm.

    The Kubernetes objects go to the cluster the caller names in ``opts.providers``.
    """

    role: aws.iam.Role
    service_account: k8s.core.v1.ServiceAccount
    backup_job: k8s.batch.v1.CronJob
    age_job: k8s.batch.v1.CronJob
    alarm: aws.cloudwatch.MetricAlarm

    def __init__(
        self, name: str, args: BackupScheduleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("backup_schedule", "BackupSchedule"), name, None, opts)
        jobs, dependency = args.jobs, args.dependency
        prefix = jobs.prefix(dependency.name)
        account = service_account_name(dependency)
        child = pulumi.ResourceOptions(parent=self)
        labels = {**jobs.labels, DEPENDENCY_LABEL: dependency.name}

        self.role = aws.iam.Role(
            f"{name}-role",
            description=f"Writes {prefix} backups; assumed by {jobs.namespace}/{account}",
            assume_role_policy=irsa_trust_policy(jobs.oidc_provider_arn, jobs.namespace, account),
            tags=dict(jobs.tags),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=self.role.id,
            policy=backup_writer_policy(args.bucket_arn, prefix, args.key_arn),
            opts=child,
        )
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=account,
                namespace=args.namespace,
                labels=labels,
                annotations={ROLE_ARN_ANNOTATION: self.role.arn},
            ),
            # IRSA does not need the Kubernetes API token: the EKS pod identity webhook
            # projects its own short-lived token (audience sts.amazonaws.com) into any pod
            # of an annotated ServiceAccount. The jobs never talk to the Kubernetes API.
            automount_service_account_token=False,
            opts=child,
        )
        after_account = pulumi.ResourceOptions(parent=self, depends_on=[self.service_account])
        self.backup_job = self._cron_job(
            f"{name}-backup", _backup_job(args, prefix), args, labels, after_account
        )
        self.age_job = self._cron_job(
            f"{name}-backup-age", _age_job(args, prefix), args, labels, after_account
        )
        self.alarm = backup_age_alarm(
            f"{name}-age-alarm", jobs, dependency, args.alarm_actions, child
        )
        self.register_outputs(
            {
                "prefix": prefix,
                "role_arn": self.role.arn,
                "service_account": self.service_account.metadata.name,
                "backup_cron_job": self.backup_job.metadata.name,
                "age_cron_job": self.age_job.metadata.name,
                "alarm": self.alarm.name,
            }
        )

    def _cron_job(
        self,
        name: str,
        job: _Job,
        args: BackupScheduleArgs,
        labels: Mapping[str, str],
        opts: pulumi.ResourceOptions,
    ) -> k8s.batch.v1.CronJob:
        job_labels = {**labels, COMPONENT_LABEL: job.component}
        return k8s.batch.v1.CronJob(
            name,
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=job.job_name, namespace=args.namespace, labels=job_labels
            ),
            spec=k8s.batch.v1.CronJobSpecArgs(
                schedule=job.schedule,
                time_zone=TIME_ZONE,
                concurrency_policy="Forbid",
                starting_deadline_seconds=job.starting_deadline,
                successful_jobs_history_limit=JOB_HISTORY,
                failed_jobs_history_limit=JOB_HISTORY,
                job_template=k8s.batch.v1.JobTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=job_labels),
                    spec=k8s.batch.v1.JobSpecArgs(
                        backoff_limit=BACKOFF_LIMIT,
                        active_deadline_seconds=job.active_deadline,
                        ttl_seconds_after_finished=FINISHED_JOB_TTL_SECONDS,
                        template=k8s.core.v1.PodTemplateSpecArgs(
                            metadata=k8s.meta.v1.ObjectMetaArgs(labels=job_labels),
                            spec=_pod_spec(job, args),
                        ),
                    ),
                ),
            ),
            opts=opts,
        )


def _target_args(args: BackupScheduleArgs, prefix: str) -> list[pulumi.Input[str]]:
    """Where backups go and which metric series the age lands in."""
    return [
        "--bucket",
        args.bucket_name,
        "--prefix",
        prefix,
        "--publish-metric",
        "--environment",
        args.jobs.environment,
        "--dependency",
        args.dependency.name,
    ]


def _connection_env(dependency: BackupDependency) -> list[k8s.core.v1.EnvVarArgs]:
    if dependency.kind == "config" or dependency.secret_name is None:
        return []
    return [
        k8s.core.v1.EnvVarArgs(
            name=URL_VARIABLE[dependency.kind],
            value_from=k8s.core.v1.EnvVarSourceArgs(
                secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(
                    name=dependency.secret_name, key=SECRET_URL_KEY, optional=False
                )
            ),
        )
    ]


def _backup_job(args: BackupScheduleArgs, prefix: str) -> _Job:
    """``ops backup`` once per RPO, at the dependency's own minute, inside the RPO."""
    dependency, rpo = args.dependency, args.jobs.rpo_minutes
    command: list[pulumi.Input[str]] = ["backup"]
    if dependency.kind == "config":
        command += ["--config", CONFIG_MOUNT]
    return _Job(
        job_name=f"backup-{dependency.name}",
        component="backup",
        schedule=backup_schedule(rpo, dependency.name),
        starting_deadline=starting_deadline_seconds(rpo),
        active_deadline=active_deadline_seconds(rpo),
        command_args=[*command, *_target_args(args, prefix)],
        env=_connection_env(dependency),
        config_map=dependency.config_map if dependency.kind == "config" else None,
        resources=k8s.core.v1.ResourceRequirementsArgs(
            requests={"cpu": "100m", "memory": "256Mi"},
            limits={"cpu": "1", "memory": "1Gi"},
        ),
    )


def _age_job(args: BackupScheduleArgs, prefix: str) -> _Job:
    """``ops backup-age`` every few minutes, so the age alarm hears even when backups stop."""
    return _Job(
        job_name=f"backup-age-{args.dependency.name}",
        component="backup-age",
        schedule=AGE_PUBLISH_SCHEDULE,
        starting_deadline=AGE_PUBLISH_STARTING_DEADLINE_SECONDS,
        active_deadline=AGE_PUBLISH_ACTIVE_DEADLINE_SECONDS,
        command_args=["backup-age", *_target_args(args, prefix)],
        env=[],
        config_map=None,
        resources=k8s.core.v1.ResourceRequirementsArgs(
            requests={"cpu": "50m", "memory": "128Mi"},
            limits={"cpu": "500m", "memory": "256Mi"},
        ),
    )


def _pod_spec(job: _Job, args: BackupScheduleArgs) -> k8s.core.v1.PodSpecArgs:
    region = args.jobs.region
    volumes = [
        k8s.core.v1.VolumeArgs(
            name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="256Mi")
        )
    ]
    mounts = [k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")]
    if job.config_map is not None:
        volumes.append(
            k8s.core.v1.VolumeArgs(
                name="config",
                config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(
                    name=job.config_map, optional=False
                ),
            )
        )
        mounts.append(
            k8s.core.v1.VolumeMountArgs(name="config", mount_path=CONFIG_MOUNT, read_only=True)
        )
    container = k8s.core.v1.ContainerArgs(
        name=job.component,
        image=args.jobs.ops_image,
        image_pull_policy="IfNotPresent",
        command=OPS_COMMAND,
        args=list(job.command_args),
        env=[
            # The bucket and the alarm live in the stack's region; without these boto3
            # would fall back to us-east-1 and publish the age where no alarm looks.
            k8s.core.v1.EnvVarArgs(name="AWS_REGION", value=region),
            k8s.core.v1.EnvVarArgs(name="AWS_DEFAULT_REGION", value=region),
            k8s.core.v1.EnvVarArgs(name="AWS_STS_REGIONAL_ENDPOINTS", value="regional"),
            k8s.core.v1.EnvVarArgs(name="HOME", value="/tmp"),
            k8s.core.v1.EnvVarArgs(name="PYTHONDONTWRITEBYTECODE", value="1"),
            k8s.core.v1.EnvVarArgs(name="PYTHONUNBUFFERED", value="1"),
            *job.env,
        ],
        resources=job.resources,
        security_context=restricted_container_context(RUN_AS_USER),
        volume_mounts=mounts,
    )
    return k8s.core.v1.PodSpecArgs(
        service_account_name=service_account_name(args.dependency),
        automount_service_account_token=False,
        enable_service_links=False,
        restart_policy="Never",
        security_context=restricted_pod_context(RUN_AS_USER),
        containers=[container],
        volumes=volumes,
    )
