"""Backups built in-process from hand-made Args, without a Platform or a stack file around it."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components.backup_bucket import BackupBucketArgs
from components.backup_jobs import BackupJobs
from components.backups import Backups, BackupsArgs
from components.environment_policy import StatefulPolicy
from stacks.settings import BackupDependency
from tests.components.factories import DIGEST, OIDC, fleet_tags
from tests.components.harness import build, cluster, on_cluster, provider_urn

PAGE_TOPIC = "arn:aws:sns:eu-west-1:111122223333:mcp-fleet-prod-page"
DEPENDENCIES = (
    BackupDependency(name="catalog-db", kind="postgres", secret_name="catalog-db-url"),
    BackupDependency(name="sessions", kind="redis", secret_name="sessions-url"),
    BackupDependency(name="settings", kind="config", config_map="fleet-settings"),
)
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def backups_args(
    alarm_actions: tuple[pulumi.Input[str], ...] = (),
    dependencies: tuple[BackupDependency, ...] = DEPENDENCIES,
) -> BackupsArgs:
    return BackupsArgs(
        bucket=BackupBucketArgs(
            name_prefix="mcp-fleet-prod",
            title="mcp-fleet prod",
            environment="prod",
            region="eu-west-1",
            replica_region=None,
            object_lock=False,
            retention_days=30,
            stateful=StatefulPolicy(
                protect=True,
                retain_on_delete=True,
                force_destroy=False,
                key_deletion_window_days=30,
            ),
            tags=fleet_tags(),
        ),
        jobs=BackupJobs(
            environment="prod",
            region="eu-west-1",
            namespace="mcp-ops",
            oidc_provider_arn=OIDC,
            ops_image=f"ghcr.io/example/ops@sha256:{DIGEST}",
            rpo_minutes=60,
            name_prefix="mcp-fleet-prod",
            labels=fleet_tags(),
            tags=fleet_tags(),
        ),
        dependencies=dependencies,
        alarm_actions=alarm_actions,
    )


def test_alarm_actions_reach_every_age_alarm_for_alarm_and_recovery() -> None:
    built = build(
        lambda: Backups("mcp-backups", backups_args((PAGE_TOPIC,)), opts=on_cluster(cluster()))
    )
    alarms = built.of_type(ALARM)
    assert len(alarms) == len(DEPENDENCIES)
    for alarm in alarms:
        assert alarm["inputs"]["alarmActions"] == [PAGE_TOPIC]
        assert alarm["inputs"]["okActions"] == [PAGE_TOPIC]


def test_no_actions_records_without_notifying() -> None:
    built = build(lambda: Backups("mcp-backups", backups_args(), opts=on_cluster(cluster())))
    for alarm in built.of_type(ALARM):
        assert alarm["inputs"].get("alarmActions", []) == []


def test_every_kubernetes_object_goes_to_the_provider_passed_in_opts() -> None:
    built = build(lambda: Backups("mcp-backups", backups_args(), opts=on_cluster(cluster())))
    provider = provider_urn(built)
    objects = [r for r in built.resources if r["type"].startswith("kubernetes:")]
    assert len(objects) == 2 + 3 * len(DEPENDENCIES)  # namespace, default deny; sa, 2 jobs
    for obj in objects:
        assert obj["provider"].startswith(f"{provider}::"), obj["name"]


def test_one_schedule_per_dependency_and_their_outputs() -> None:
    built = build(lambda: Backups("mcp-backups", backups_args(), opts=on_cluster(cluster())))
    assert set(built.component.schedules) == {d.name for d in DEPENDENCIES}
    (component,) = built.of_type("mcp-fleet:backups:Backups")
    outputs: dict[str, Any] = component["outputs"]
    assert set(outputs["schedules"]) == {d.name for d in DEPENDENCIES}


def test_two_dependencies_with_one_name_are_refused_before_anything_exists() -> None:
    twice = (DEPENDENCIES[0], DEPENDENCIES[0])
    with pytest.raises(ValueError, match="catalog-db used twice"):
        backups_args(dependencies=twice)
