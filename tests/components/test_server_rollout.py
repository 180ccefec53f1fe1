"""McpServer with a rollout plan: the Argo objects it declares, and that Argo's schemas accept them."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any

import pytest

from components.fleet import McpServer, McpServerArgs, termination_grace_seconds
from delivery import RolloutInputs, RolloutPlan, TicketRoute, plan_rollout
from stacks.fleet_plan import PlannedServer
from tests.components.factories import planned_server, server_labels
from tests.components.harness import Built, build, cluster, on_cluster
from tests.components.test_mcp_server import ROLLOUT, server_args
from tests.delivery.argo_schema import validate

ROLLOUT_TYPE = "kubernetes:argoproj.io/v1alpha1:Rollout"
TEMPLATE_TYPE = "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate"
SERVICE_TYPE = "kubernetes:core/v1:Service"
HPA_TYPE = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment"
TICKETS = TicketRoute(("https://tickets.example.com/hooks/mcp",))
SERVERS = {
    "strict": planned_server("strict", success_rate=99.9, p95_latency_ms=250),
    "notebook": planned_server("notebook", session_mode="stateful", success_rate=99.5),
}


def plan_for(server: PlannedServer, stage: str = "prod") -> RolloutPlan:
    return plan_rollout(
        RolloutInputs(
            server=server.name,
            tenant=server.tenant,
            namespace=server.namespace,
            stage=stage,
            tool_success_rate=server.slo.tool_success_rate,
            p95_latency_ms=server.slo.p95_latency_ms,
            stateful=server.entry.session_mode.value == "stateful",
            session_idle_timeout_seconds=300,
            drain_seconds=ROLLOUT.drain_seconds,
            batch_percent=ROLLOUT.batch_percent,
            min_replicas=server.capacity.min_replicas,
            max_replicas=server.capacity.max_replicas,
            ticket_route=TICKETS,
        )
    )


def delivered_args(server: PlannedServer, stage: str = "prod") -> McpServerArgs:
    return replace(server_args(server), delivery=plan_for(server, stage))


@cache
def built(name: str, stage: str = "prod") -> Built[McpServer]:
    args = delivered_args(SERVERS[name], stage)
    return build(lambda: McpServer(f"mcp-{name}", args, opts=on_cluster(cluster())))


def manifest(record: dict[str, Any]) -> dict[str, Any]:
    """A custom resource's inputs as the object the API server receives."""
    inputs = record["inputs"]
    kind = record["type"].rsplit(":", 1)[1]
    if record["type"] == SERVICE_TYPE:
        return {"apiVersion": "v1", "kind": kind, "metadata": inputs["metadata"], **inputs}
    return {k: v for k, v in inputs.items() if k in ("apiVersion", "kind", "metadata", "spec")}


def one(name: str, type_token: str, stage: str = "prod") -> dict[str, Any]:
    (found,) = built(name, stage).of_type(type_token)
    return found


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_the_rollout_takes_over_the_deployment_and_keeps_the_autoscaler(name: str) -> None:
    rollout = one(name, ROLLOUT_TYPE)
    spec = rollout["inputs"]["spec"]
    assert spec["workloadRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": name,
        "scaleDown": "progressively",
    }
    assert "template" not in spec, "the pod template stays in the Deployment"
    assert rollout["options"]["ignoreChanges"] == ["spec.replicas"]
    deployment = one(name, DEPLOYMENT_TYPE)
    assert deployment["urn"] in rollout["dependencies"]
    assert "spec.replicas" in deployment["options"]["ignoreChanges"]
    hpa = one(name, HPA_TYPE)["inputs"]["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "name": name,
    }


def test_steps_and_thresholds_come_from_the_plan() -> None:
    spec = one("strict", ROLLOUT_TYPE)["inputs"]["spec"]
    weights = [s["setWeight"] for s in spec["strategy"]["canary"]["steps"] if "setWeight" in s]
    assert weights == [25, 50, 75, 100]
    pauses = [s["pause"]["duration"] for s in spec["strategy"]["canary"]["steps"] if "pause" in s]
    assert pauses == ["30s", "60s"] * 4
    gates = {
        r["inputs"]["metadata"]["name"]: r["inputs"]["spec"]
        for r in built("strict").of_type(TEMPLATE_TYPE)
    }
    assert set(gates) == {"strict-slo-gate", "strict-slo-fast-burn"}
    conditions = {m["name"]: m["successCondition"] for m in gates["strict-slo-gate"]["metrics"]}
    assert "0.001" in conditions["tool-error-ratio"] and "250" in conditions["tool-latency-p95"]


def test_a_stateful_server_drains_for_its_sessions_and_gets_version_services() -> None:
    deployment = one("notebook", DEPLOYMENT_TYPE)["inputs"]["spec"]["template"]["spec"]
    (container,) = deployment["containers"]
    assert container["lifecycle"]["preStop"]["sleep"]["seconds"] == 300
    assert deployment["terminationGracePeriodSeconds"] == termination_grace_seconds(300)
    services = {r["inputs"]["metadata"]["name"] for r in built("notebook").of_type(SERVICE_TYPE)}
    assert services == {"notebook", "notebook-canary", "notebook-stable"}
    canary = one("notebook", ROLLOUT_TYPE)["inputs"]["spec"]["strategy"]["canary"]
    assert (canary["canaryService"], canary["stableService"]) == (
        "notebook-canary",
        "notebook-stable",
    )


def test_dev_runs_the_same_rollout_with_the_analysis_in_dry_run() -> None:
    for record in built("strict", "dev").of_type(TEMPLATE_TYPE):
        assert record["inputs"]["spec"]["dryRun"] == [{"metricName": ".*"}]
    annotations = one("strict", ROLLOUT_TYPE, "dev")["inputs"]["metadata"].get("annotations")
    assert not annotations, "dev notifies nobody"


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_every_object_carries_the_servers_labels_in_its_namespace(name: str) -> None:
    server = SERVERS[name]
    for type_token in (ROLLOUT_TYPE, TEMPLATE_TYPE):
        for record in built(name).of_type(type_token):
            assert record["inputs"]["metadata"]["labels"] == server_labels(server)
            assert record["inputs"]["metadata"]["namespace"] == server.namespace


def test_every_rendered_argo_object_validates_against_the_published_schemas() -> None:
    documents = [
        manifest(record)
        for name in sorted(SERVERS)
        for stage in ("dev", "prod")
        for record in built(name, stage).resources
        if record["type"] in (ROLLOUT_TYPE, TEMPLATE_TYPE)
        or (record["type"] == SERVICE_TYPE and record["inputs"]["metadata"]["name"] != name)
    ]
    assert len(documents) == 2 * (3 + 3 + 2), "Rollout and two templates each, two Services"
    verdict = validate(documents)
    assert verdict.returncode == 0 and not verdict.errors, verdict.lines


def test_a_plan_for_another_server_is_refused_before_anything_exists() -> None:
    other = plan_for(SERVERS["notebook"])
    with pytest.raises(ValueError, match=r"McpServer strict: the rollout plan is for"):
        replace(server_args(SERVERS["strict"]), delivery=other)
