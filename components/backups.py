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

from components.backup_bucket import BackupBucket, BackupBucketArgs
from components.backup_schedule import BackupSchedule, BackupScheduleArgs
from components.labels import kubernetes_labels
from components.pod_security import restricted_namespace
from stacks.fleet_plan import Settings


@dataclass(frozen=True)
class BackupsArgs:
    settings: Settings
    kubernetes_provider: k8s.Provider
    alarm_actions: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    """Where a stale backup pages (the environment's page topic); empty records only."""


class Backups(pulumi.ComponentResource):
    """BackupBucket, the backups namespace, and a BackupSchedule per dependency."""

    bucket: BackupBucket
    namespace: k8s.core.v1.Namespace
    schedules: dict[str, BackupSchedule]

    def __init__(
        self, name: str, args: BackupsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mcp-fleet:backups:Backups", name, None, opts)
        settings = args.settings
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.kubernetes_provider)

        self.bucket = BackupBucket(
            f"{name}-bucket",
            BackupBucketArgs(settings=settings),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.namespace = self._namespace(name, settings, on_cluster)
        self.schedules = {
            dependency.name: BackupSchedule(
                f"{name}-{dependency.name}",
                BackupScheduleArgs(
                    settings=settings,
                    dependency=dependency,
                    namespace=self.namespace.metadata.name,
                    bucket_name=self.bucket.bucket_name,
                    bucket_arn=self.bucket.bucket_arn,
                    key_arn=self.bucket.key_arn,
                    kubernetes_provider=args.kubernetes_provider,
                    alarm_actions=args.alarm_actions,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for dependency in settings.backups.dependencies
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
        name: str, settings: Settings, opts: pulumi.ResourceOptions
    ) -> k8s.core.v1.Namespace:
        """The jobs' own namespace, enforcing 'restricted' pods and admitting no ingress.

        The Secrets with connection URLs and the ConfigMaps to archive must live here: a
        pod can only reference Secrets and ConfigMaps of its own namespace.
        """
        labels = kubernetes_labels(settings)
        labels["app.kubernetes.io/component"] = "backups"
        return restricted_namespace(f"{name}-ns", settings.backups.namespace, labels, opts)
