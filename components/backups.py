"""Backups: the backup bucket and one schedule per stateful dependency the stack declares.

The operate guide asks for "backup and recovery tested for any externalized state". This
component is the half that runs unattended: a hardened bucket (``BackupBucket``), a
namespace for the backup jobs, and a ``BackupSchedule`` (IRSA role, ServiceAccount, CronJobs,
age alarm) per dependency. The other half, restores and drills, is ``python -m ops``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.arg_checks import repeated
from components.backup_bucket import BackupBucket, BackupBucketArgs
from components.backup_jobs import BackupJobs
from components.backup_schedule import COMPONENT_LABEL, BackupSchedule, BackupScheduleArgs
from components.pod_security import restricted_namespace
from policy.contract import component_type
from stacks.settings import BackupDependency


@dataclass(frozen=True)
class BackupsArgs:
    bucket: BackupBucketArgs
    jobs: BackupJobs
    dependencies: Sequence[BackupDependency]
    alarm_actions: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    """Where a stale backup pages (the environment's page topic); empty records only."""

    def __post_init__(self) -> None:
        names = [dependency.name for dependency in self.dependencies]
        twice = repeated(names)
        if twice:
            raise ValueError(
                f"Backups: dependency name(s) {', '.join(twice)} used twice; each becomes a "
                "backup prefix and a CronJob name, so each must be distinct"
            )


class Backups(pulumi.ComponentResource):
    """BackupBucket, the backups namespace, and a BackupSchedule per dependency.

    The namespace and the jobs go to the cluster the caller names in ``opts.providers``.
    """

    bucket: BackupBucket
    namespace: k8s.core.v1.Namespace
    schedules: dict[str, BackupSchedule]

    def __init__(
        self, name: str, args: BackupsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("backups", "Backups"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.bucket = BackupBucket(f"{name}-bucket", args.bucket, opts=child)
        self.namespace = self._namespace(name, args.jobs, child)
        self.schedules = {
            dependency.name: BackupSchedule(
                f"{name}-{dependency.name}",
                BackupScheduleArgs(
                    jobs=args.jobs,
                    dependency=dependency,
                    namespace=self.namespace.metadata.name,
                    bucket_name=self.bucket.bucket_name,
                    bucket_arn=self.bucket.bucket_arn,
                    key_arn=self.bucket.key_arn,
                    alarm_actions=args.alarm_actions,
                ),
                opts=child,
            )
            for dependency in args.dependencies
        }
        self.register_outputs(
            {
                "bucket": self.bucket.bucket_name,
                "bucket_arn": self.bucket.bucket_arn,
                "key_arn": self.bucket.key_arn,
                "namespace": self.namespace.metadata.name,
                "schedules": {
                    dependency: schedule.backup_job.metadata.name
                    for dependency, schedule in self.schedules.items()
                },
                "alarms": {
                    dependency: schedule.alarm.name
                    for dependency, schedule in self.schedules.items()
                },
            }
        )

    @staticmethod
    def _namespace(
        name: str, jobs: BackupJobs, opts: pulumi.ResourceOptions
    ) -> k8s.core.v1.Namespace:
        """The jobs' own namespace, enforcing 'restricted' pods and admitting no ingress.

        The Secrets with connection URLs and the ConfigMaps to archive must live here: a
        pod can only reference Secrets and ConfigMaps of its own namespace.
        """
        labels = {**jobs.labels, COMPONENT_LABEL: "backups"}
        return restricted_namespace(f"{name}-ns", jobs.namespace, labels, opts)
