"""AuditSealer: the in-cluster CronJob that seals the audit log group into the locked archive.

Every few minutes one Job runs ``python -m ops audit seal`` (``audit/seal.py``) from the ops
image, pinned by digest like every platform image. It is the archive's **one** writer: the
chain is a single sequence, so ``concurrencyPolicy: Forbid`` never lets two runs overlap,
and a run that is still going when the next is due simply delays it. Its own namespace
(restricted pods, no ingress) holds only its ServiceAccount, whose IRSA role carries exactly
the audit trail's writer policy (``components/audit_writer_policy.py``): read the audit
group, append and lock objects under the archive prefix, use the audit key, never delete.

A failed run exits non-zero and the next one retries from the cursor stored in the archive:
nothing is lost, nothing is sealed twice (docs/audit.md, "Continuous delivery").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.audit_seal_alarm import put_metric_policy
from components.irsa import irsa_trust_policy
from components.pod_security import (
    restricted_container_context,
    restricted_namespace,
    restricted_pod_context,
)
from policy.contract import component_type

RUN_AS_USER = 10001
"""The ops image's own non-root user (``USER 10001`` in ops/Dockerfile)."""
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
SERVICE_ACCOUNT = "audit-sealer"
JOB_NAME = "audit-seal"
COMPONENT_LABEL = "app.kubernetes.io/component"
OPS_COMMAND = ["python", "-m", "ops"]
EVERY_FIVE_MINUTES = "*/5 * * * *"
JOB_HISTORY = 3
FINISHED_JOB_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class AuditSealerArgs:
    name_prefix: str
    """The IAM role's name starts with it, like ``mcp-fleet-prod``."""
    namespace: str
    oidc_provider_arn: str
    ops_image: str
    """REPO@sha256:DIGEST: the same pinned ops image the backup jobs run."""
    region: str
    bucket_name: pulumi.Input[str]
    log_group_name: pulumi.Input[str]
    writer_policy_arn: pulumi.Input[str]
    retention_years: int
    labels: Mapping[str, str]
    tags: Mapping[str, str]
    archive_prefix: str = "audit"
    schedule: str = EVERY_FIVE_MINUTES
    settle_seconds: int = 120
    lookback_minutes: int = 60
    active_deadline_seconds: int = 240
    """A run ends before the next is due (five minutes), so a hung run cannot stall sealing."""

    def problems(self) -> list[str]:
        found = []
        if "@sha256:" not in self.ops_image:
            found.append(f"ops_image {self.ops_image!r} is not pinned; use REPO@sha256:DIGEST")
        if self.retention_years < 1:
            found.append(f"retention_years {self.retention_years}: at least 1")
        if not 0 <= self.settle_seconds <= 3600:
            found.append(f"settle_seconds {self.settle_seconds}: 0-3600")
        if not 1 <= self.lookback_minutes <= 1440:
            found.append(f"lookback_minutes {self.lookback_minutes}: 1-1440")
        if len(self.schedule.split()) != 5:
            found.append(f"schedule {self.schedule!r} is not a five-field cron expression")
        return found

    def command_args(self) -> list[pulumi.Input[str]]:
        return [
            "audit", "seal",
            "--bucket", self.bucket_name,
            "--prefix", self.archive_prefix,
            "--log-group", self.log_group_name,
            "--retention-years", str(self.retention_years),
            "--settle-seconds", str(self.settle_seconds),
            "--lookback-minutes", str(self.lookback_minutes),
            "--publish-metric",
        ]  # fmt: skip


class AuditSealer(pulumi.ComponentResource):
    """Namespace, IRSA role with the writer policy, ServiceAccount and the sealing CronJob."""

    role: aws.iam.Role
    cron_job: k8s.batch.v1.CronJob

    def __init__(
        self, name: str, args: AuditSealerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = args.problems()
        if problems:
            raise ValueError(f"AuditSealer {name}: " + "; ".join(problems))
        super().__init__(component_type("audit", "AuditSealer"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        labels = {**args.labels, COMPONENT_LABEL: "audit-sealer"}
        self.namespace = restricted_namespace(f"{name}-ns", args.namespace, labels, child)
        self.role = aws.iam.Role(
            f"{name}-role",
            name=f"{args.name_prefix}-audit-sealer",
            description=f"Seals the audit log group into the archive; assumed by "
            f"{args.namespace}/{SERVICE_ACCOUNT}",
            assume_role_policy=irsa_trust_policy(
                args.oidc_provider_arn, args.namespace, SERVICE_ACCOUNT
            ),
            tags=dict(args.tags),
            opts=child,
        )
        writer = aws.iam.RolePolicyAttachment(
            f"{name}-writer",
            role=self.role.name,
            policy_arn=args.writer_policy_arn,
            opts=pulumi.ResourceOptions(parent=self.role),
        )
        # Its own inline policy, apart from the archive writer's: PutMetricData, one namespace.
        metric = aws.iam.RolePolicy(
            f"{name}-seal-lag-metric",
            role=self.role.name,
            policy=put_metric_policy(),
            opts=pulumi.ResourceOptions(parent=self.role),
        )
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=SERVICE_ACCOUNT,
                namespace=self.namespace.metadata.name,
                labels=labels,
                annotations={ROLE_ARN_ANNOTATION: self.role.arn},
            ),
            automount_service_account_token=False,
            opts=child,
        )
        self.cron_job = self._cron_job(
            name,
            args,
            labels,
            pulumi.ResourceOptions(parent=self, depends_on=[self.service_account, writer, metric]),
        )
        self.register_outputs(
            {
                "namespace": self.namespace.metadata.name,
                "role_arn": self.role.arn,
                "cron_job": self.cron_job.metadata.name,
            }
        )

    def _cron_job(
        self,
        name: str,
        args: AuditSealerArgs,
        labels: Mapping[str, str],
        opts: pulumi.ResourceOptions,
    ) -> k8s.batch.v1.CronJob:
        return k8s.batch.v1.CronJob(
            f"{name}-cron",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=JOB_NAME, namespace=self.namespace.metadata.name, labels=dict(labels)
            ),
            spec=k8s.batch.v1.CronJobSpecArgs(
                schedule=args.schedule,
                time_zone="Etc/UTC",
                concurrency_policy="Forbid",
                starting_deadline_seconds=120,
                successful_jobs_history_limit=JOB_HISTORY,
                failed_jobs_history_limit=JOB_HISTORY,
                job_template=k8s.batch.v1.JobTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=dict(labels)),
                    spec=k8s.batch.v1.JobSpecArgs(
                        # No retry inside a run: the next scheduled run retries from the cursor.
                        backoff_limit=0,
                        active_deadline_seconds=args.active_deadline_seconds,
                        ttl_seconds_after_finished=FINISHED_JOB_TTL_SECONDS,
                        template=k8s.core.v1.PodTemplateSpecArgs(
                            metadata=k8s.meta.v1.ObjectMetaArgs(labels=dict(labels)),
                            spec=_pod_spec(args),
                        ),
                    ),
                ),
            ),
            opts=opts,
        )


def _pod_spec(args: AuditSealerArgs) -> k8s.core.v1.PodSpecArgs:
    region = args.region
    container = k8s.core.v1.ContainerArgs(
        name="seal",
        image=args.ops_image,
        image_pull_policy="IfNotPresent",
        command=OPS_COMMAND,
        args=args.command_args(),
        env=[
            k8s.core.v1.EnvVarArgs(name="AWS_REGION", value=region),
            k8s.core.v1.EnvVarArgs(name="AWS_DEFAULT_REGION", value=region),
            k8s.core.v1.EnvVarArgs(name="AWS_STS_REGIONAL_ENDPOINTS", value="regional"),
            k8s.core.v1.EnvVarArgs(name="HOME", value="/tmp"),
            k8s.core.v1.EnvVarArgs(name="PYTHONDONTWRITEBYTECODE", value="1"),
            k8s.core.v1.EnvVarArgs(name="PYTHONUNBUFFERED", value="1"),
        ],
        resources=k8s.core.v1.ResourceRequirementsArgs(
            requests={"cpu": "100m", "memory": "256Mi"},
            limits={"cpu": "1", "memory": "1Gi"},
        ),
        security_context=restricted_container_context(RUN_AS_USER),
        volume_mounts=[k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")],
    )
    return k8s.core.v1.PodSpecArgs(
        service_account_name=SERVICE_ACCOUNT,
        automount_service_account_token=False,
        enable_service_links=False,
        restart_policy="Never",
        security_context=restricted_pod_context(RUN_AS_USER),
        containers=[container],
        volumes=[
            k8s.core.v1.VolumeArgs(
                name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="64Mi")
            )
        ],
    )
