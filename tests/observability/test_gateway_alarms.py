"""The SLO alarms read tool success at the gateway; a remote server is held to its SLA there.

Built in-process like the other observability tests; a remote server is added to prod's
variant (the example catalog has no remote entry yet) and its alarms are replayed into moto.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

import boto3
import pytest
from moto import mock_aws

from catalog.remote import RemoteServer
from components.gateway_metrics import metric_namespace
from components.labels import SLO_SUCCESS_RATE
from components.log_metrics import NAMESPACE as SERVER_LOG_NAMESPACE
from components.observability import MonitoredServer
from components.slo_math import window_thresholds
from review.render import RenderedStack
from stacks.effective_slo import effective_slo
from stacks.fleet_plan import PlannedServer
from stacks.settings import SloSettings
from tests.components.factories import planned_server, server_tags
from tests.observability.built_observability import (
    STACKS,
    build_observability,
    built,
    observability_args,
    variant,
)
from tests.observability.cloudwatch_api import (
    METRIC_ALARM,
    check_against_model,
    documented_alarm_rules,
    put_metric_alarm,
)
from tests.observability.moto_gaps import moto_gaps_filled
from tests.observability.rendered_alarms import WINDOW_KINDS, alarms_of

REGION = "eu-west-1"
SLA = {"availability": 99.5, "p95LatencyMs": 800}


def remote_server(name: str = "crm") -> PlannedServer:
    """A remote entry whose catalog SLO differs from its SLA, so the test tells which one holds;
    its EffectiveSlo is made as the loader makes it (stacks/effective_slo.py)."""
    local = planned_server(name, success_rate=99.9, p95_latency_ms=200)
    remote = RemoteServer.model_validate(
        {
            "url": "https://crm.example.net/mcp",
            "sla": SLA,
            "credentialSecret": {"name": "crm-token", "key": "token"},
        }
    )
    entry = local.entry.model_copy(update={"remote": remote})
    return dataclasses.replace(local, entry=entry, slo=effective_slo(entry, SloSettings()))


@cache
def with_remote() -> RenderedStack:
    args = observability_args(variant("prod"))
    crm = remote_server()
    watched = MonitoredServer(crm, server_tags(crm, "prod"))
    return build_observability(dataclasses.replace(args, servers=[*args.servers, watched]), "prod")


def _metrics(alarm: dict[str, Any]) -> set[tuple[str, str, tuple[tuple[str, str], ...]]]:
    return {
        (
            q["metric"]["namespace"],
            q["metric"]["metricName"],
            tuple(sorted(q["metric"]["dimensions"].items())),
        )
        for q in alarm["inputs"].get("metricQueries", [])
        if "metric" in q
    }


@pytest.mark.parametrize("stack", STACKS)
def test_tool_success_and_burn_rates_read_the_gateway(stack: str) -> None:
    result = built(stack)
    for server in variant(stack).servers:
        found = alarms_of(result, server.name)
        dimensions = (("Server", server.name), ("Tenant", server.tenant))
        gateway = {
            (metric_namespace(stack), name, dimensions) for name in ("ToolCalls", "ToolErrors")
        }
        for kind in ("tool-success", *WINDOW_KINDS):
            assert _metrics(found[kind]) == gateway, (server.name, kind)
        secondary = _metrics(found["server-tool-success"])
        assert {namespace for namespace, _, _ in secondary} == {SERVER_LOG_NAMESPACE}
        assert found["server-tool-success"]["inputs"]["threshold"] == pytest.approx(
            server.slo.tool_success_rate / 100
        )


def test_a_remote_server_is_held_to_its_sla_at_the_gateway() -> None:
    crm = remote_server()
    assert (crm.slo.tool_success_rate, crm.slo.p95_latency_ms) == (99.5, 800)
    assert server_tags(crm, "prod")[SLO_SUCCESS_RATE] == "99.5", "its tags state the SLA too"
    found = alarms_of(with_remote(), crm.name)
    assert set(found) == {
        "latency-p95", "error-rate-5xx", "tool-success", "burn-rate-page", "burn-rate-ticket",
        *WINDOW_KINDS,
    }  # fmt: skip
    latency = found["latency-p95"]["inputs"]
    assert (latency["namespace"], latency["metricName"]) == (metric_namespace("prod"), "Latency")
    assert latency["dimensions"] == {"Tenant": crm.tenant, "Server": crm.name}
    assert (latency["extendedStatistic"], latency["threshold"]) == ("p95", SLA["p95LatencyMs"])
    assert "SLA of 800 ms" in latency["alarmDescription"]
    assert found["tool-success"]["inputs"]["threshold"] == pytest.approx(0.995)
    for window, threshold in window_thresholds(SLA["availability"]).items():
        inputs = found[f"burn-rate-{window.label}"]["inputs"]
        assert inputs["threshold"] == pytest.approx(threshold), window.label
    # Its neighbours in the cluster keep every alarm.
    assert "saturation-cpu" in alarms_of(with_remote(), "github")


def test_remote_alarms_replay_into_cloudwatch(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = [put_metric_alarm(r["inputs"]) for r in with_remote().of_type(METRIC_ALARM)]
    remote = [c for c in calls if c["AlarmName"].startswith("mcp-fleet-prod-crm-")]
    assert len(remote) == 1 + 1 + 1 + len(WINDOW_KINDS)
    for call in calls:
        assert check_against_model("cloudwatch", "PutMetricAlarm", call) == [], call["AlarmName"]
        assert documented_alarm_rules(call) == [], call["AlarmName"]
    with moto_gaps_filled(monkeypatch), mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        for call in remote:
            cloudwatch.put_metric_alarm(**call)
        stored = cloudwatch.describe_alarms(AlarmNamePrefix="mcp-fleet-prod-crm-")["MetricAlarms"]
        latency = next(a for a in stored if a["AlarmName"].endswith("-latency-p95"))
        assert (latency["Namespace"], latency["Threshold"]) == ("McpFleet/Gateway/prod", 800)
        assert {a["AlarmName"] for a in stored} == {c["AlarmName"] for c in remote}
