"""Observability inside whole rendered stacks: what only the composition can show.

The component is tested in-process from hand-made Args (test_alarms.py and beside it);
here every server of a stack file has every alarm on the gateway's metrics, the load balancer
is watched once on its target group, and the stack's routing (dev records, prod notifies)
reaches them through Platform.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from components.gateway_metrics import GATEWAY_METRICS, metric_namespace
from gateway.log_format import log_format
from review.render import RenderedStack
from stacks import load_settings
from tests.observability.rendered_alarms import EVERY_KIND, WINDOW_KINDS, alarms_of, fleet_alarms
from tests.stacks.stack_config import raw_config

Rendered = Callable[[str], RenderedStack]


@pytest.mark.parametrize("stack", ["prod"])
def test_every_server_has_every_alarm_at_the_gateway_and_the_alb_is_watched_once(
    rendered: Rendered, stack: str
) -> None:
    result = rendered(stack)
    settings = load_settings(raw_config(stack), project="mcp-fleet", stack=stack)
    (alb,) = result.of_type("aws:lb/loadBalancer:LoadBalancer")
    groups = {g["outputs"]["arnSuffix"] for g in result.of_type("aws:lb/targetGroup:TargetGroup")}
    (platform,) = result.of_type("mcp-fleet:platform:Platform")
    page = platform["outputs"]["page_topic_arn"]
    for server in settings.servers:
        found = alarms_of(result, server.name)
        assert set(found) == EVERY_KIND, server.name
        assert found["latency-p95"]["inputs"]["dimensions"] == {
            "Tenant": server.tenant,
            "Server": server.name,
        }
        for kind, alarm in found.items():
            actions = alarm["inputs"].get("alarmActions") or []
            if stack == "dev" or kind in WINDOW_KINDS:
                assert actions == [], (server.name, kind)
            else:
                assert actions and actions[0].rsplit("-", 1)[0] == page.rsplit("-", 1)[0]
    unhealthy = fleet_alarms(result)["unhealthy-targets"]["inputs"]["dimensions"]
    assert unhealthy["LoadBalancer"] == alb["outputs"]["arnSuffix"]
    assert unhealthy["TargetGroup"] in groups


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_gateway_deployed_is_the_gateway_measured(rendered: Rendered, stack: str) -> None:
    """The filters select the namespace the Gateway runs in, its ConfigMap logs the fields they
    read, and each server's primary SLI names the tenant and server of the stack file."""
    result = rendered(stack)
    settings = load_settings(raw_config(stack), project="mcp-fleet", stack=stack)
    namespaces = {
        n["inputs"]["metadata"]["name"] for n in result.of_type("kubernetes:core/v1:Namespace")
    }
    (config,) = [
        c
        for c in result.of_type("kubernetes:core/v1:ConfigMap")
        if "log-format" in json.dumps(c["inputs"].get("data") or {})
    ]
    gateway_namespace = config["inputs"]["metadata"]["namespace"]
    assert gateway_namespace in namespaces
    assert f"log-format {log_format()}\n" in "".join(config["inputs"]["data"].values())
    metric_filters = result.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")
    gateway = [
        f
        for f in metric_filters
        if f["inputs"]["metricTransformation"]["namespace"] == metric_namespace(stack)
    ]
    assert {f["inputs"]["name"].rsplit(f"{stack}-", 1)[-1] for f in gateway} == {
        m.key for m in GATEWAY_METRICS
    }
    for found in gateway:
        assert f'$.kubernetes.namespace_name = "{gateway_namespace}"' in found["inputs"]["pattern"]
    for server in settings.servers:
        success = alarms_of(result, server.name)["tool-success"]["inputs"]["metricQueries"]
        read = {
            q["metric"]["namespace"]: q["metric"]["dimensions"] for q in success if "metric" in q
        }
        assert read == {metric_namespace(stack): {"Tenant": server.tenant, "Server": server.name}}


def test_stagings_remote_server_is_monitored_at_the_gateway_against_its_sla(
    rendered: Rendered,
) -> None:
    """partner-crm (catalog remote, SLA 99.9 % and p95 350 ms) runs nowhere in the cluster: its
    SLA is its EffectiveSlo, and it gets the gateway alarms and dashboard row of any server."""
    result = rendered("staging")
    settings = load_settings(raw_config("staging"), project="mcp-fleet", stack="staging")
    (crm,) = [s for s in settings.servers if s.entry.remote is not None]
    sla = crm.entry.remote.sla if crm.entry.remote else None
    assert sla is not None
    assert (crm.slo.tool_success_rate, crm.slo.p95_latency_ms) == (
        sla.availability,
        sla.p95_latency_ms,
    )
    found = alarms_of(result, crm.name)
    assert set(found) == EVERY_KIND - {"saturation-cpu", "saturation-memory", "server-tool-success"}
    latency = found["latency-p95"]["inputs"]
    assert latency["threshold"] == sla.p95_latency_ms
    assert latency["dimensions"] == {"Tenant": crm.tenant, "Server": crm.name}
    assert found["tool-success"]["inputs"]["threshold"] == pytest.approx(sla.availability / 100)
    (dashboard,) = [
        d
        for d in result.of_type("aws:cloudwatch/dashboard:Dashboard")
        if d["inputs"]["dashboardName"] == "mcp-fleet-staging-fleet"
    ]
    assert f"## {crm.name} (remote)" in dashboard["inputs"]["dashboardBody"]
