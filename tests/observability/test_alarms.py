"""Observability built in-process from hand-made Args: every server gets every alarm, with
thresholds from its SLO, routed and tagged (variants in built_observability.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from components.labels import SLO_P95_MS, SLO_SUCCESS_RATE
from components.platform_args import observability_args as platform_observability_args
from components.slo_math import tier_thresholds, window_thresholds
from review.render import RenderedStack
from stacks import load_settings
from tests.components.harness import ACCOUNT
from tests.observability.built_observability import (
    STACKS,
    build_observability,
    built,
    gateway_target_group_suffix,
    load_balancer_suffix,
    variant,
)
from tests.observability.rendered_alarms import (
    EVERY_KIND,
    FLEET_KINDS,
    NOTIFYING_KINDS,
    WINDOW_KINDS,
    alarms,
    alarms_of,
    fleet_alarms,
    kind,
    name,
    runbook,
    severity,
)

ROOT = Path(__file__).resolve().parents[2]
Rendered = Callable[[str], RenderedStack]


@pytest.mark.parametrize("stack", STACKS)
def test_every_server_has_every_alarm(stack: str) -> None:
    result = built(stack)
    for server in variant(stack).servers:
        assert set(alarms_of(result, server.name)) == EVERY_KIND, server.name


@pytest.mark.parametrize("stack", STACKS)
def test_latency_alarm_watches_the_gateways_p95_at_the_slo_in_milliseconds(stack: str) -> None:
    result = built(stack)
    for server in variant(stack).servers:
        latency = alarms_of(result, server.name)["latency-p95"]["inputs"]
        assert latency["namespace"] == f"McpFleet/Gateway/{stack}"
        assert latency["metricName"] == "Latency"
        assert latency["extendedStatistic"] == "p95"
        assert latency["threshold"] == server.slo.p95_latency_ms
        assert latency["comparisonOperator"] == "GreaterThanThreshold"
        assert latency["dimensions"] == {"Tenant": server.tenant, "Server": server.name}
        assert (latency["evaluationPeriods"], latency["datapointsToAlarm"]) == (10, 8)
        assert latency["treatMissingData"] == "notBreaching"


@pytest.mark.parametrize("stack", STACKS)
def test_error_rate_alarm_is_the_gateways_5xx_ratio_of_admitted_requests(stack: str) -> None:
    result = built(stack)
    for server in variant(stack).servers:
        five_xx = alarms_of(result, server.name)["error-rate-5xx"]["inputs"]
        read = {
            q["metric"]["metricName"]: q["metric"]
            for q in five_xx["metricQueries"]
            if "metric" in q
        }
        assert set(read) == {"AdmittedRequests", "ServerErrors"}
        (ratio,) = [q for q in five_xx["metricQueries"] if q.get("returnData")]
        assert ratio["expression"] == "IF(requests > 0, FILL(errors, 0) / requests, 0)"
        for metric in read.values():
            assert metric["namespace"] == f"McpFleet/Gateway/{stack}"
            assert metric["dimensions"] == {"Tenant": server.tenant, "Server": server.name}
            assert (metric["period"], metric["stat"]) == (60, "Sum")
        assert five_xx["threshold"] == pytest.approx(0.01)
        assert (five_xx["evaluationPeriods"], five_xx["datapointsToAlarm"]) == (5, 5)


@pytest.mark.parametrize("stack", STACKS)
def test_the_load_balancer_is_watched_once_on_the_gateways_target_group(stack: str) -> None:
    result = built(stack)
    fleet = fleet_alarms(result)
    assert set(fleet) == FLEET_KINDS
    assert set(alarms_of(result, "fleet")) == FLEET_KINDS, "no other fleet alarm here"
    targets = {
        "LoadBalancer": load_balancer_suffix(stack),
        "TargetGroup": gateway_target_group_suffix(stack),
    }
    unhealthy = fleet["unhealthy-targets"]["inputs"]
    assert (unhealthy["metricName"], unhealthy["dimensions"]) == ("UnHealthyHostCount", targets)
    assert severity(fleet["unhealthy-targets"]) == "ticket"
    five_xx = fleet["error-rate-5xx"]["inputs"]
    read = {q["id"]: q["metric"] for q in five_xx["metricQueries"] if "metric" in q}
    assert read["target5xx"]["dimensions"] == targets
    assert (
        read["elb5xx"]["dimensions"]
        == read["requests"]["dimensions"]
        == {"LoadBalancer": load_balancer_suffix(stack)}
    )
    assert five_xx["threshold"] == pytest.approx(0.01)
    assert severity(fleet["error-rate-5xx"]) == "page"
    for alarm in fleet.values():
        assert name(alarm) == f"mcp-fleet-{stack}-fleet-{kind(alarm)}"
        assert bool(alarm["inputs"]["alarmActions"]) is (stack != "dev")
    # No alarm of any server reads the load balancer: it only sees the gateway.
    for server in variant(stack).servers:
        for alarm in alarms_of(result, server.name).values():
            assert "AWS/ApplicationELB" not in str(alarm["inputs"]), name(alarm)


@pytest.mark.parametrize("stack", STACKS)
def test_burn_rate_windows_use_the_servers_error_budget(stack: str) -> None:
    result = built(stack)
    seen_targets = set()
    for server in variant(stack).servers:
        found = alarms_of(result, server.name)
        expected = {
            f"burn-rate-{w.label}": t
            for w, t in window_thresholds(server.slo.tool_success_rate).items()
        }
        seen_targets.add(server.slo.tool_success_rate)
        for window_kind, threshold in expected.items():
            inputs = found[window_kind]["inputs"]
            assert inputs["threshold"] == pytest.approx(threshold), (server.name, window_kind)
            assert inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
            assert inputs["treatMissingData"] == "notBreaching"
            periods = {q["metric"]["period"] for q in inputs["metricQueries"] if "metric" in q}
            label = window_kind.removeprefix("burn-rate-")
            seconds = {"m": 60, "h": 3600, "d": 86_400}[label[-1]] * int(label[:-1])
            assert periods == {seconds}
            assert [q["id"] for q in inputs["metricQueries"] if q.get("returnData")] == ["ratio"]
        assert found["tool-success"]["inputs"]["threshold"] == pytest.approx(
            server.slo.tool_success_rate / 100
        )
        # The thresholds for 99.0 are the brief's 0.144 / 0.06 / 0.03.
        if server.slo.tool_success_rate == 99.0:
            assert sorted(set(expected.values())) == pytest.approx([0.03, 0.06, 0.144])
    assert len(seen_targets) >= 2, "the example stacks exercise several SLO targets"


def test_thresholds_follow_a_changed_stack_default() -> None:
    """jira and k8s-readonly declare no SLO in the catalog: the stack's default holds them.

    From the dev stack file with a changed default, through Platform's Settings-to-Args, to
    the alarms Observability builds: in-process, no stack render.
    """
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    config = {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in document["config"].items()
    }
    config["mcp-fleet:slo"] = json.dumps({"toolSuccessRate": 99.9, "p95LatencyMs": 250})
    watched = {**document["config"]["mcp-fleet:observability"], "pageFromDev": True}
    config["mcp-fleet:observability"] = json.dumps(watched)
    settings = load_settings(config, project="mcp-fleet", stack="dev")
    args = platform_observability_args(
        settings, load_balancer_suffix("dev"), gateway_target_group_suffix("dev")
    )
    result = build_observability(args, "dev")
    jira = alarms_of(result, "jira")
    assert jira["latency-p95"]["inputs"]["threshold"] == 250
    assert jira["burn-rate-1h"]["inputs"]["threshold"] == pytest.approx(0.0144)
    assert jira["burn-rate-6h"]["inputs"]["threshold"] == pytest.approx(0.006)
    assert jira["burn-rate-1d"]["inputs"]["threshold"] == pytest.approx(0.003)
    assert jira["burn-rate-page"]["inputs"]["tags"][SLO_SUCCESS_RATE] == "99.9"
    # github keeps its catalog SLO (99.5 %, 300 ms).
    github = alarms_of(result, "github")
    assert github["burn-rate-1h"]["inputs"]["threshold"] == pytest.approx(0.072)
    # pageFromDev: dev alarms notify.
    assert jira["burn-rate-page"]["inputs"]["alarmActions"] == [
        f"arn:aws:sns:eu-west-1:{ACCOUNT}:mcp-fleet-dev-page"
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_composites_pair_long_and_short_windows_and_suppress_the_ticket(stack: str) -> None:
    result = built(stack)
    for server in variant(stack).servers:
        found = alarms_of(result, server.name)
        n = {k: name(a) for k, a in found.items()}
        page, ticket = found["burn-rate-page"]["inputs"], found["burn-rate-ticket"]["inputs"]
        assert page["alarmRule"] == (
            f'(ALARM("{n["burn-rate-1h"]}") AND ALARM("{n["burn-rate-5m"]}")) OR '
            f'(ALARM("{n["burn-rate-6h"]}") AND ALARM("{n["burn-rate-30m"]}"))'
        )
        assert (
            ticket["alarmRule"]
            == f'(ALARM("{n["burn-rate-1d"]}") AND ALARM("{n["burn-rate-2h"]}"))'
        )
        assert ticket["actionsSuppressor"] == {
            "alarm": n["burn-rate-page"],
            "waitPeriod": 300,
            "extensionPeriod": 3600,
        }
        assert "actionsSuppressor" not in page
        assert set(tier_thresholds(server.slo.tool_success_rate).values()) == {
            found[k]["inputs"]["threshold"] for k in WINDOW_KINDS
        }


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_staging_and_prod_alarms_all_notify(stack: str) -> None:
    result = built(stack)
    page = f"arn:aws:sns:eu-west-1:{_account(stack)}:mcp-fleet-{stack}-page"
    ticket = f"arn:aws:sns:eu-west-1:{_account(stack)}:mcp-fleet-{stack}-ticket"
    composites = [a for a in alarms(result) if "alarmRule" in a["inputs"]]
    for server in variant(stack).servers:
        for alarm_kind, alarm in alarms_of(result, server.name).items():
            inputs = alarm["inputs"]
            if alarm_kind in WINDOW_KINDS:
                # Notifies through the composite that reads it, which has actions.
                readers = [c for c in composites if f'"{name(alarm)}"' in c["inputs"]["alarmRule"]]
                assert len(readers) == 1 and readers[0]["inputs"]["alarmActions"], name(alarm)
                assert inputs["alarmActions"] == [] and severity(alarm) == "composite-input"
                continue
            expected = page if severity(alarm) == "page" else ticket
            assert inputs["alarmActions"] == [expected], name(alarm)
            assert inputs["okActions"] == [expected], name(alarm)
            assert inputs["actionsEnabled"] is True


def _account(stack: str) -> str:
    return ACCOUNT


def test_tier_three_servers_never_page() -> None:
    for stack in ("staging",):
        result = built(stack)
        k8s = alarms_of(result, "k8s-readonly")
        assert {severity(a) for k, a in k8s.items() if k in NOTIFYING_KINDS} == {"ticket"}
        github = alarms_of(result, "github")
        assert severity(github["burn-rate-page"]) == "page"


def test_dev_alarms_record_but_notify_nobody() -> None:
    result = built("dev")
    assert variant("dev").observability.page_from_dev is False
    for alarm in alarms(result):
        if "mcp-fleet.io/alarm-kind" in (alarm["inputs"].get("tags") or {}):
            assert not alarm["inputs"].get("alarmActions"), name(alarm)


@pytest.mark.parametrize("stack", STACKS)
def test_every_description_names_an_existing_runbook_and_tags_carry_the_slo(stack: str) -> None:
    result = built(stack)
    for server in variant(stack).servers:
        for alarm in alarms_of(result, server.name).values():
            inputs = alarm["inputs"]
            match = re.search(
                r"Runbook: (docs/runbooks/[a-z0-9-]+\.md)$", inputs["alarmDescription"]
            )
            assert match and match.group(1) == runbook(alarm), name(alarm)
            assert (ROOT / match.group(1)).is_file()
            assert len(inputs["alarmDescription"]) <= 1024
            assert inputs["tags"][SLO_SUCCESS_RATE] == f"{server.slo.tool_success_rate:g}" or (
                inputs["tags"][SLO_SUCCESS_RATE] == f"{server.slo.tool_success_rate:.1f}"
            )
            assert inputs["tags"][SLO_P95_MS] == str(server.slo.p95_latency_ms)
            assert name(alarm) == f"mcp-fleet-{stack}-{server.name}-{kind(alarm)}"


@pytest.mark.parametrize("stack", STACKS)
def test_saturation_watches_container_insights_against_the_stack_setting(stack: str) -> None:
    result = built(stack)
    settings = variant(stack)
    for server in settings.servers:
        found = alarms_of(result, server.name)
        for alarm_kind, metric_name in (
            ("saturation-cpu", "pod_cpu_utilization_over_pod_limit"),
            ("saturation-memory", "pod_memory_utilization_over_pod_limit"),
        ):
            inputs = found[alarm_kind]["inputs"]
            assert inputs["namespace"] == "ContainerInsights"
            assert inputs["metricName"] == metric_name
            assert inputs["threshold"] == settings.observability.saturation_percent
            assert inputs["dimensions"] == {
                "ClusterName": settings.cluster.name,
                "Namespace": server.namespace,
                "PodName": server.name,
            }
        assert "unhealthy-targets" not in found, "target health is the gateway's, fleet-wide"
