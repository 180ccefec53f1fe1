"""The rendered Argo Rollouts objects: what they say, and that the published schemas accept them."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import pytest

from components.gateway_metrics import GATEWAY_METRICS, metric_namespace
from components.slo_math import ratio_expression
from delivery import RolloutPlan, SliKind, plan_rollout
from delivery import manifests as m
from tests.delivery.argo_schema import validate, validate_raw
from tests.delivery.servers import BASELINE, KINDS, STAGES, STATEFUL, STRICT, TICKETS, in_stage

PORT = 8080


def _selector(plan: RolloutPlan) -> dict[str, str]:
    return {"app.kubernetes.io/name": plan.server}


def _labels(plan: RolloutPlan) -> dict[str, str]:
    return {**_selector(plan), "mcp-fleet.io/environment": plan.stage}


def _render(plan: RolloutPlan) -> list[dict[str, Any]]:
    return m.render(plan, PORT, _selector(plan), _labels(plan))


def _every_object() -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = []
    for inputs in KINDS.values():
        for stage in STAGES:
            documents += _render(plan_rollout(in_stage(inputs, stage)))
    documents.append(
        m.notification_config_map("argo-rollouts", TICKETS, "mcp-fleet prod", {"a": "b"})
    )
    return documents


def _metrics(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {metric["name"]: metric for metric in template["spec"]["metrics"]}


def _limit(condition: str) -> float:
    found = re.fullmatch(r"all\(result\[0\]\.Values, \{# <= ([0-9.e-]+)\}\)", condition)
    assert found, condition
    return float(found.group(1))


def test_every_rendered_object_validates_against_the_published_schemas() -> None:
    documents = _every_object()
    verdict = validate(documents)
    assert verdict.errors == (), verdict.errors
    assert verdict.returncode == 0, verdict.stderr
    assert len(verdict.lines) == len(documents) == 3 * 3 * 3 + 2 * 3 + 1
    assert all(line.endswith(": ok") for line in verdict.lines)


def test_the_validator_rejects_what_the_controller_would_not_run() -> None:
    rollout = m.rollout(plan_rollout(STRICT), _selector(plan_rollout(STRICT)), {})
    misspelt = {
        **rollout,
        "spec": {**rollout["spec"], "strategy": {"canary": {"steps": [{"setWeigth": 25}]}}},
    }
    mistyped = {**rollout, "spec": {**rollout["spec"], "replicas": "three"}}
    unknown = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollouts", "metadata": {"name": "x"}}
    verdict = validate([rollout, misspelt, mistyped, unknown])
    assert verdict.returncode == 1
    assert verdict.lines[0] == "0 Rollout/payments-tools: ok"
    assert "'\"setWeigth\"' does not exist in type 'ICanaryStep'" in verdict.lines[1]
    assert "data/spec/replicas must be integer" in verdict.lines[2]
    assert (
        "no published schema for apiVersion argoproj.io/v1alpha1 kind Rollouts" in verdict.lines[3]
    )


def test_a_misspelt_analysis_field_is_rejected_too() -> None:
    template = m.gate_template(plan_rollout(STATEFUL), {})
    metric = template["spec"]["metrics"][0]
    query = {**metric["provider"]["cloudWatch"]["metricDataQueries"][0], "returnsData": False}
    broken = {
        **template,
        "spec": {
            "metrics": [
                {
                    **metric,
                    "provider": {"cloudWatch": {"interval": "60s", "metricDataQueries": [query]}},
                }
            ]
        },
    }
    verdict = validate([template, broken])
    assert verdict.returncode == 1
    assert verdict.lines[0] == "0 AnalysisTemplate/notebook-slo-gate: ok"
    assert "'\"returnsData\"' does not exist in type" in verdict.lines[1]


def test_input_that_is_not_a_list_of_objects_is_a_usage_error() -> None:
    verdict = validate_raw('{"kind": "Rollout"}')
    assert verdict.returncode == 2
    assert "stdin must be a JSON array of Kubernetes objects" in verdict.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_the_rollout_takes_over_the_deployment_without_dropping_pods(kind: str) -> None:
    plan = plan_rollout(KINDS[kind])
    spec = m.rollout(plan, _selector(plan), _labels(plan))["spec"]
    assert spec["workloadRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": plan.server,
        "scaleDown": "progressively",
    }
    assert "template" not in spec
    assert spec["selector"] == {"matchLabels": _selector(plan)}
    canary = spec["strategy"]["canary"]
    assert canary["maxUnavailable"] == 0
    assert canary["maxSurge"] == "25%"
    assert spec["replicas"] == plan.min_replicas
    assert m.autoscaler_target(plan.server)["kind"] == "Rollout"


@pytest.mark.parametrize(("kind", "stage"), [(k, s) for k in KINDS for s in STAGES])
def test_steps_are_the_plan_batch_by_batch(kind: str, stage: str) -> None:
    plan = plan_rollout(in_stage(KINDS[kind], stage))
    steps = m.rollout(plan, _selector(plan), _labels(plan))["spec"]["strategy"]["canary"]["steps"]
    gate = {"analysis": {"templates": [{"templateName": f"{plan.server}-slo-gate"}]}}
    expected: list[dict[str, Any]] = []
    for batch in plan.batches:
        expected += [
            {"setWeight": batch.weight_percent},
            {"pause": {"duration": f"{batch.drain_seconds}s"}},
            {"pause": {"duration": f"{batch.watch_seconds}s"}},
            gate,
        ]
    assert steps == expected
    assert [s["setWeight"] for s in steps if "setWeight" in s] == [25, 50, 75, 100]


@pytest.mark.parametrize(("kind", "stage"), [(k, s) for k in KINDS for s in STAGES])
def test_analysis_conditions_hold_the_plan_thresholds(kind: str, stage: str) -> None:
    plan = plan_rollout(in_stage(KINDS[kind], stage))
    gate = _metrics(m.gate_template(plan, _labels(plan)))
    assert set(gate) == {check.kind.value for check in plan.gate}
    for check in plan.gate:
        rendered = gate[check.kind.value]
        assert _limit(rendered["successCondition"]) == check.threshold
        assert rendered["failureLimit"] == 0
        assert rendered["count"] == 1
        assert rendered["provider"]["cloudWatch"]["interval"] == f"{plan.batches[0].watch_seconds}s"
    background = _metrics(m.background_template(plan, _labels(plan)))
    fast = background[SliKind.FAST_BURN.value]
    assert _limit(fast["successCondition"]) == plan.background[0].threshold
    assert fast["interval"] == "60s" and "count" not in fast
    assert fast["provider"]["cloudWatch"]["interval"] == "300s"


@pytest.mark.parametrize("stage", STAGES)
def test_dev_records_without_aborting_or_notifying(stage: str) -> None:
    plan = plan_rollout(in_stage(BASELINE, stage))
    documents = _render(plan)
    rollout, gate, background = documents[0], documents[1], documents[2]
    dry_run = [{"metricName": ".*"}]
    assert (gate["spec"].get("dryRun") == dry_run) is (stage == "dev")
    assert (background["spec"].get("dryRun") == dry_run) is (stage == "dev")
    annotations = rollout["metadata"].get("annotations", {})
    subscribed = {"notifications.argoproj.io/subscribe.on-rollout-aborted.mcp-fleet-ticket-0": ""}
    assert annotations == ({} if stage == "dev" else subscribed)


def _query_metrics(template: dict[str, Any], kind: SliKind) -> dict[str, dict[str, Any]]:
    queries = _metrics(template)[kind.value]["provider"]["cloudWatch"]["metricDataQueries"]
    assert [q["id"] for q in queries if q["returnData"]] == [queries[-1]["id"]]
    return {q["id"]: q for q in queries}


@pytest.mark.parametrize("stage", STAGES)
def test_every_query_reads_the_gateway_metrics_of_this_tenant_and_server(stage: str) -> None:
    """The primary SLI: namespace McpFleet/Gateway/<stage>, dimensions Tenant and Server."""
    plan = plan_rollout(in_stage(STATEFUL, stage))
    for check in (*plan.gate, *plan.background):
        assert sum(1 for q in check.queries if q["returnData"]) == 1, check.kind
        for query in check.queries:
            if "metricStat" not in query:
                continue
            stat = query["metricStat"]
            assert (
                stat["metric"]["namespace"]
                == metric_namespace(stage)
                == f"McpFleet/Gateway/{stage}"
            )
            assert stat["metric"]["dimensions"] == [
                {"name": "Tenant", "value": "acme"},
                {"name": "Server", "value": "notebook"},
            ]
            assert stat["period"] == check.lookback_seconds
            names = {m.metric_name for m in GATEWAY_METRICS}
            assert stat["metric"]["metricName"] in names


def test_each_check_divides_the_gateway_metric_it_names() -> None:
    plan = plan_rollout(in_stage(STATEFUL, "prod"))
    gate = m.gate_template(plan, {})
    expected = {
        SliKind.TOOL_ERROR_RATIO: ({"calls": "ToolCalls", "errors": "ToolErrors"}, "errors", "calls"),
        SliKind.SERVER_5XX_RATIO: ({"bad": "ServerErrors", "requests": "AdmittedRequests"}, "bad", "requests"),
        SliKind.SESSION_ERROR_RATIO: ({"bad": "SessionErrors", "requests": "AdmittedRequests"}, "bad", "requests"),
    }  # fmt: skip
    for kind, (metrics, numerator, denominator) in expected.items():
        queries = _query_metrics(gate, kind)
        stats = {k: q["metricStat"] for k, q in queries.items() if "metricStat" in q}
        assert {k: s["metric"]["metricName"] for k, s in stats.items()} == metrics, kind
        assert all(s["stat"] == "Sum" for s in stats.values())
        assert queries["ratio"]["expression"] == ratio_expression(numerator, denominator)
    (latency,) = _query_metrics(gate, SliKind.TOOL_LATENCY_P95).values()
    assert latency["metricStat"]["metric"]["metricName"] == "Latency"
    assert latency["metricStat"]["stat"] == "p95" and latency["returnData"] is True
    background = _query_metrics(m.background_template(plan, {}), SliKind.FAST_BURN)
    assert background["ratio"]["expression"] == ratio_expression("errors", "calls")
    assert background["calls"]["metricStat"]["period"] == 300


def test_stateful_servers_get_version_services_for_new_sessions() -> None:
    plan = plan_rollout(STATEFUL)
    canary = m.rollout(plan, _selector(plan), {})["spec"]["strategy"]["canary"]
    assert canary["canaryService"] == "notebook-canary"
    assert canary["stableService"] == "notebook-stable"
    services = m.version_services(plan, PORT, _selector(plan), {})
    assert [s["metadata"]["name"] for s in services] == ["notebook-canary", "notebook-stable"]
    assert all(s["spec"]["ports"][0]["port"] == PORT for s in services)
    assert m.version_services(plan_rollout(BASELINE), PORT, {}, {}) == []
    assert (
        "canaryService"
        not in m.rollout(plan_rollout(BASELINE), {}, {})["spec"]["strategy"]["canary"]
    )


def test_the_abort_notification_reaches_every_ticket_endpoint() -> None:
    route = replace(TICKETS, https_endpoints=("https://a.example.com/t", "https://b.example.com/t"))
    data = m.notification_config_map("argo-rollouts", route, "mcp-fleet prod", {})["data"]
    assert data["trigger.on-rollout-aborted"] == '[{"send": ["mcp-fleet-rollout-aborted"]}]'
    assert '"url": "https://a.example.com/t"' in data["service.webhook.mcp-fleet-ticket-0"]
    assert '"url": "https://b.example.com/t"' in data["service.webhook.mcp-fleet-ticket-1"]
    template = json.loads(data["template.mcp-fleet-rollout-aborted"])
    assert set(template["webhook"]) == {"mcp-fleet-ticket-0", "mcp-fleet-ticket-1"}
    assert {hook["method"] for hook in template["webhook"].values()} == {"POST"}


def test_the_webhook_body_is_json_whatever_the_status_message_says() -> None:
    """What the notification engine sends, with its template fields filled as Go would."""
    body = m.abort_webhook_body('mcp-fleet "prod"')
    message = 'Metric "tool-error-ratio" assessed Failed due to failed (1) > failureLimit (0)'
    sent = (
        body.replace("{{.rollout.metadata.name}}", "github-tools")
        .replace("{{.rollout.metadata.namespace}}", "mcp-acme")
        .replace("{{.rollout.status.message | toJson}}", json.dumps(message))
    )
    assert json.loads(sent) == {
        "source": 'mcp-fleet "prod"',
        "event": "rollout-aborted",
        "rollout": "github-tools",
        "namespace": "mcp-acme",
        "message": message,
        "runbook": "docs/runbooks/rollout.md",
    }
