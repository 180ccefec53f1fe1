"""Each part component built alone from its own hand-made Args, without its parent around it.

The parents' tests (LoadBalancer, Observability, Backups) read the same resources in
context; these show that each part stands on its own Args, as its docstring promises, and
refuses what it must before creating anything.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.access_log_bucket import AccessLogBucket, AccessLogBucketArgs
from components.alarms import AlarmScope, SloAlarms, SloAlarmsArgs
from components.backup_bucket import BackupBucket, BackupBucketArgs
from components.backup_schedule import BackupSchedule, BackupScheduleArgs
from components.environment_policy import StatefulPolicy
from components.log_collection import FleetLogs, FleetLogsArgs
from components.paging import AlarmRouting, Paging, PagingArgs, PagingTopics, Subscribers
from stacks.settings import BackupDependency
from tests.backups.rendered_backups import args_of
from tests.components.factories import OIDC, fleet_tags, planned_server, server_tags
from tests.components.harness import ACCOUNT, REGION, build, cluster, on_cluster, provider_urn

TAGS = fleet_tags("staging")
PAGE, TICKET = "arn:aws:sns:eu-west-1:1:page", "arn:aws:sns:eu-west-1:1:ticket"


def inputs_of(resources: list[dict[str, Any]], type_token: str) -> list[dict[str, Any]]:
    return [r["inputs"] for r in resources if r["type"] == type_token]


def test_access_log_bucket_alone() -> None:
    args = AccessLogBucketArgs(
        bucket_prefix="x-staging-alb-logs-", prefix="lb", retention_days=14, force_destroy=True,
        tags=TAGS,
    )  # fmt: skip
    built = build(lambda: AccessLogBucket("logs", args))
    (bucket,) = inputs_of(built.resources, "aws:s3/bucket:Bucket")
    assert (bucket["bucketPrefix"], bucket["forceDestroy"], bucket["tags"]) == (
        "x-staging-alb-logs-", True, TAGS,
    )  # fmt: skip
    (policy,) = inputs_of(built.resources, "aws:s3/bucketPolicy:BucketPolicy")
    writes = [s for s in json.loads(policy["policy"])["Statement"] if s["Effect"] == "Allow"]
    assert {s["Resource"].split(":::", 1)[1].split("/", 1)[1] for s in writes} == {
        f"lb/AWSLogs/{ACCOUNT}/*"
    }
    (lifecycle,) = inputs_of(
        built.resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    )
    assert lifecycle["rules"][0]["expiration"] == {"days": 14}
    assert built.component.prefix == "lb"


@pytest.mark.parametrize("prefix", ["", "/alb", "alb/"])
def test_access_log_prefix_must_be_a_bare_key_prefix(prefix: str) -> None:
    with pytest.raises(ValueError, match="key prefix"):
        AccessLogBucketArgs(
            bucket_prefix="b-", prefix=prefix, retention_days=1, force_destroy=False, tags=TAGS
        )


def test_paging_alone() -> None:
    args = PagingArgs(
        name_prefix="x-staging", title="x staging", region=REGION,
        page=Subscribers(emails=("a@example.com",), https_endpoints=("https://pager.example/1",)),
        ticket=Subscribers(), key_deletion_window_days=21, tags=TAGS,
    )  # fmt: skip
    built = build(lambda: Paging("paging", args))
    (key,) = inputs_of(built.resources, "aws:kms/key:Key")
    assert key["deletionWindowInDays"] == 21 and key["enableKeyRotation"] is True
    (alias,) = inputs_of(built.resources, "aws:kms/alias:Alias")
    assert alias["name"] == "alias/x-staging-paging"
    topics = {t["name"] for t in inputs_of(built.resources, "aws:sns/topic:Topic")}
    assert topics == {"x-staging-page", "x-staging-ticket"}
    subscriptions = inputs_of(built.resources, "aws:sns/topicSubscription:TopicSubscription")
    assert sorted(s["protocol"] for s in subscriptions) == ["email", "https"]


def test_alarm_routing_notifies_only_when_told_to() -> None:
    topics = PagingTopics(page=PAGE, ticket=TICKET)
    assert AlarmRouting(topics, notify=True).actions("page") == [PAGE]
    assert AlarmRouting(topics, notify=True).actions("ticket") == [TICKET]
    assert AlarmRouting(topics, notify=False).actions("page") == []


def test_fleet_logs_alone() -> None:
    args = FleetLogsArgs(
        name_prefix="x-staging", title="x staging", cluster_name="c1", oidc_provider_arn=OIDC,
        region=REGION, retention_days=60, key_deletion_window_days=30, tags=TAGS,
    )  # fmt: skip
    built = build(lambda: FleetLogs("logs", args))
    groups = inputs_of(built.resources, "aws:cloudwatch/logGroup:LogGroup")
    assert {g["name"] for g in groups} == {
        f"/aws/containerinsights/c1/{kind}"
        for kind in ("application", "dataplane", "host", "performance")
    }
    assert {g["retentionInDays"] for g in groups} == {60}
    filters = inputs_of(built.resources, "aws:cloudwatch/logMetricFilter:LogMetricFilter")
    assert all(f["name"].startswith("x-staging-") for f in filters) and len(filters) == 8


def test_fleet_logs_refuse_a_retention_cloudwatch_does_not_accept() -> None:
    with pytest.raises(ValueError, match="cannot keep logs for 31 days"):
        FleetLogsArgs(
            name_prefix="x", title="x", cluster_name="c", oidc_provider_arn=OIDC, region=REGION,
            retention_days=31, key_deletion_window_days=30, tags=TAGS,
        )  # fmt: skip


def test_slo_alarms_alone() -> None:
    server = planned_server("search", success_rate=99.0, tier="tier-3")
    args = SloAlarmsArgs(
        server=server,
        scope=AlarmScope("x-staging", "staging", "staging", "c1", saturation_percent=80),
        tags=server_tags(server, "staging"),
        routing=AlarmRouting(PagingTopics(page=PAGE, ticket=TICKET), notify=True),
    )
    built = build(lambda: SloAlarms("search", args))
    metric = {
        a["name"]: a for a in inputs_of(built.resources, "aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    assert metric["x-staging-search-saturation-cpu"]["threshold"] == 80
    # tier-3: what would page becomes a ticket
    assert metric["x-staging-search-latency-p95"]["alarmActions"] == [TICKET]
    composites = inputs_of(built.resources, "aws:cloudwatch/compositeAlarm:CompositeAlarm")
    assert {c["alarmName"] for c in composites} == {
        "x-staging-search-burn-rate-page", "x-staging-search-burn-rate-ticket",
    }  # fmt: skip


def test_saturation_outside_a_percentage_is_refused() -> None:
    with pytest.raises(ValueError, match="saturation_percent 0"):
        AlarmScope("x", "s", "s", "c", saturation_percent=0)


def test_backup_bucket_alone_follows_its_stateful_policy() -> None:
    stateful = StatefulPolicy(
        protect=False, retain_on_delete=False, force_destroy=True, key_deletion_window_days=9
    )
    args = BackupBucketArgs(
        name_prefix="x-dev", title="x dev", environment="dev", region=REGION,
        replica_region="eu-north-1", object_lock=False, retention_days=5, stateful=stateful,
        tags=TAGS,
    )  # fmt: skip
    built = build(lambda: BackupBucket("b", args))
    buckets = {r["name"]: r for r in built.resources if r["type"] == "aws:s3/bucket:Bucket"}
    assert set(buckets) == {"b-primary", "b-replica"}
    assert buckets["b-replica"]["inputs"]["region"] == "eu-north-1"
    for bucket in buckets.values():
        assert bucket["options"]["protect"] is False and bucket["inputs"]["forceDestroy"] is True
    keys = inputs_of(built.resources, "aws:kms/key:Key")
    assert {k["deletionWindowInDays"] for k in keys} == {9}
    aliases = {a["name"] for a in inputs_of(built.resources, "aws:kms/alias:Alias")}
    assert aliases == {"alias/x-dev-backups", "alias/x-dev-backups-replica"}


def test_backup_schedule_alone() -> None:
    jobs = args_of("staging").jobs
    dependency = BackupDependency(name="ledger", kind="postgres", secret_name="ledger-url")
    args = BackupScheduleArgs(
        jobs=jobs, dependency=dependency, namespace="mcp-ops", bucket_name="bucket-1",
        bucket_arn="arn:aws:s3:::bucket-1", key_arn="arn:aws:kms:eu-west-1:1:key/k",
        alarm_actions=(PAGE,),
    )  # fmt: skip
    built = build(lambda: BackupSchedule("ledger", args, opts=on_cluster(cluster())))
    provider = provider_urn(built)
    jobs_found = [r for r in built.resources if r["type"] == "kubernetes:batch/v1:CronJob"]
    assert {j["inputs"]["metadata"]["name"] for j in jobs_found} == {
        "backup-ledger", "backup-age-ledger",
    }  # fmt: skip
    for job in jobs_found:
        assert job["provider"].startswith(f"{provider}::")
        assert "staging/ledger" in job["inputs"]["spec"]["jobTemplate"]["spec"]["template"][
            "spec"]["containers"][0]["args"]  # fmt: skip
    (alarm,) = inputs_of(built.resources, "aws:cloudwatch/metricAlarm:MetricAlarm")
    assert alarm["name"] == "mcp-fleet-staging-backup-age-ledger"
    assert alarm["alarmActions"] == [PAGE]


def test_backup_jobs_refuse_an_unpinned_image() -> None:
    import dataclasses

    with pytest.raises(ValueError, match="is not pinned"):
        dataclasses.replace(args_of("dev").jobs, ops_image="ghcr.io/example/ops:latest")
