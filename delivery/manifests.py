"""A RolloutPlan as Kubernetes objects for Argo Rollouts: plain dicts, JSON-ready.

Each function returns one object (``apiVersion``, ``kind``, ``metadata``, ``spec``/``data``) to
hand to ``k8s.apiextensions.CustomResource`` (or ``k8s.core.v1`` for the Services and the
ConfigMap). The tests validate every one against the controller's published schemas
(tools/argo-rollouts). How the move from today's Deployment works without dropping a pod is in
docs/delivery.md ("Migration").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from delivery.analysis import SliCheck, success_condition
from delivery.plan import RolloutPlan, TicketRoute

API_VERSION = "argoproj.io/v1alpha1"
NOTIFICATION_CONFIG_MAP = "argo-rollouts-notification-configmap"
"""The one ConfigMap the controller reads its notification services and templates from."""
ABORTED_TRIGGER = "on-rollout-aborted"
"""Argo Rollouts fires the trigger named after the event: RolloutAborted -> on-rollout-aborted."""
ABORTED_TEMPLATE = "mcp-fleet-rollout-aborted"
SUBSCRIBE = "notifications.argoproj.io/subscribe"
RUNBOOK = "docs/runbooks/rollout.md"
MEASUREMENT_INTERVAL = "60s"
"""How often the background check measures: the log metrics' one-minute resolution."""
REVISION_HISTORY = 5
PROGRESS_DEADLINE_SECONDS = 600
MIN_READY_SECONDS = 10
"""The McpServer Deployment's values, so the Rollout judges readiness the same way."""

Manifest = dict[str, Any]


def gate_template_name(server: str) -> str:
    return f"{server}-slo-gate"


def background_template_name(server: str) -> str:
    return f"{server}-slo-fast-burn"


def canary_service_name(server: str) -> str:
    return f"{server}-canary"


def stable_service_name(server: str) -> str:
    return f"{server}-stable"


def ticket_service_names(route: TicketRoute) -> tuple[str, ...]:
    """One notification service per ticket endpoint: mcp-fleet-ticket-0, -1, ..."""
    return tuple(f"mcp-fleet-ticket-{n}" for n in range(len(route.https_endpoints)))


def _metadata(
    name: str, namespace: str, labels: Mapping[str, str], annotations: Mapping[str, str] | None
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": dict(labels)}
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def _metric(check: SliCheck, *, count: int | None, interval: str | None) -> dict[str, Any]:
    """One AnalysisTemplate metric: any measurement over the limit fails it (failureLimit 0)."""
    metric: dict[str, Any] = {
        "name": check.kind.value,
        "successCondition": success_condition(check),
        "failureLimit": 0,
        "provider": {
            "cloudWatch": {
                "interval": f"{check.lookback_seconds}s",
                "metricDataQueries": [dict(query) for query in check.queries],
            }
        },
    }
    if count is not None:
        metric["count"] = count
    if interval is not None:
        metric["interval"] = interval
    return metric


def _template(
    plan: RolloutPlan, name: str, metrics: list[dict[str, Any]], labels: Mapping[str, str]
) -> Manifest:
    spec: dict[str, Any] = {"metrics": metrics}
    if not plan.enforcing:
        # dev: measure and record every metric, abort on none.
        spec["dryRun"] = [{"metricName": ".*"}]
    return {
        "apiVersion": API_VERSION,
        "kind": "AnalysisTemplate",
        "metadata": _metadata(name, plan.namespace, labels, None),
        "spec": spec,
    }


def gate_template(plan: RolloutPlan, labels: Mapping[str, str]) -> Manifest:
    """The analysis after each batch's watch window: one measurement per check."""
    metrics = [_metric(check, count=1, interval=None) for check in plan.gate]
    return _template(plan, gate_template_name(plan.server), metrics, labels)


def background_template(plan: RolloutPlan, labels: Mapping[str, str]) -> Manifest:
    """The analysis that runs from the first batch to the end, every minute, until it fails."""
    metrics = [
        _metric(check, count=None, interval=MEASUREMENT_INTERVAL) for check in plan.background
    ]
    return _template(plan, background_template_name(plan.server), metrics, labels)


def canary_steps(plan: RolloutPlan) -> list[dict[str, Any]]:
    """Per batch: the new share, the drain, the watch, the gate."""
    gate = {"templates": [{"templateName": gate_template_name(plan.server)}]}
    steps: list[dict[str, Any]] = []
    for batch in plan.batches:
        steps += [
            {"setWeight": batch.weight_percent},
            {"pause": {"duration": f"{batch.drain_seconds}s"}},
            {"pause": {"duration": f"{batch.watch_seconds}s"}},
            {"analysis": gate},
        ]
    return steps


def _subscriptions(plan: RolloutPlan) -> dict[str, str]:
    """Webhook subscriptions take no recipient: the service names the endpoint."""
    if not plan.enforcing:
        return {}
    return {
        f"{SUBSCRIBE}.{ABORTED_TRIGGER}.{service}": ""
        for service in ticket_service_names(plan.ticket_route)
    }


def rollout(plan: RolloutPlan, selector: Mapping[str, str], labels: Mapping[str, str]) -> Manifest:
    """The Rollout that takes over the server's Deployment (``workloadRef``) without copying it.

    The pod template (probes, spread, preStop drain, resources) stays in the Deployment; the
    controller scales the Deployment down only as its own pods become ready
    (``scaleDown: progressively``), and never takes a pod away before its replacement is ready
    (``maxUnavailable: 0``).
    """
    canary: dict[str, Any] = {
        "maxSurge": f"{plan.max_surge_percent}%",
        "maxUnavailable": 0,
        "analysis": {
            "templates": [{"templateName": background_template_name(plan.server)}],
            "startingStep": 1,
        },
        "steps": canary_steps(plan),
    }
    if plan.stateful:
        # The gateway sends new sessions to the canary Service first (docs/delivery.md).
        canary["canaryService"] = canary_service_name(plan.server)
        canary["stableService"] = stable_service_name(plan.server)
    return {
        "apiVersion": API_VERSION,
        "kind": "Rollout",
        "metadata": _metadata(plan.server, plan.namespace, labels, _subscriptions(plan)),
        "spec": {
            "replicas": plan.min_replicas,
            "revisionHistoryLimit": REVISION_HISTORY,
            "progressDeadlineSeconds": PROGRESS_DEADLINE_SECONDS,
            "progressDeadlineAbort": True,
            "minReadySeconds": MIN_READY_SECONDS,
            "selector": {"matchLabels": dict(selector)},
            "workloadRef": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": plan.server,
                "scaleDown": "progressively",
            },
            "strategy": {"canary": canary},
        },
    }


def version_services(
    plan: RolloutPlan, port: int, selector: Mapping[str, str], labels: Mapping[str, str]
) -> list[Manifest]:
    """Stateful servers: a canary and a stable Service the controller pins to each version."""
    if not plan.stateful:
        return []
    return [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _metadata(name, plan.namespace, labels, None),
            "spec": {
                "type": "ClusterIP",
                "selector": dict(selector),
                "ports": [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}],
            },
        }
        for name in (canary_service_name(plan.server), stable_service_name(plan.server))
    ]


def autoscaler_target(server: str) -> dict[str, str]:
    """The HPA's ``scaleTargetRef`` once the Rollout owns the replica count."""
    return {"apiVersion": API_VERSION, "kind": "Rollout", "name": server}


def abort_webhook_body(title: str) -> str:
    """The JSON a ticket endpoint receives, as a notification-engine Go template.

    Names and namespaces are DNS labels and go in as they are; the controller's status message
    is free text, so it goes through sprig's ``toJson``, which quotes and escapes it.
    """
    fields = {
        "source": json.dumps(title),
        "event": json.dumps("rollout-aborted"),
        "rollout": '"{{.rollout.metadata.name}}"',
        "namespace": '"{{.rollout.metadata.namespace}}"',
        "message": "{{.rollout.status.message | toJson}}",
        "runbook": json.dumps(RUNBOOK),
    }
    return "{" + ", ".join(f"{json.dumps(key)}: {value}" for key, value in fields.items()) + "}"


def notification_config_map(
    controller_namespace: str, route: TicketRoute, title: str, labels: Mapping[str, str]
) -> Manifest:
    """The controller's notification services (one webhook per ticket endpoint) and message."""
    services = ticket_service_names(route)
    body = abort_webhook_body(title)
    data = {
        f"trigger.{ABORTED_TRIGGER}": json.dumps([{"send": [ABORTED_TEMPLATE]}]),
        f"template.{ABORTED_TEMPLATE}": json.dumps(
            {
                "message": f"{title}: rollout {{{{.rollout.metadata.name}}}} aborted",
                "webhook": {name: {"method": "POST", "body": body} for name in services},
            }
        ),
    }
    for name, url in zip(services, route.https_endpoints, strict=True):
        data[f"service.webhook.{name}"] = json.dumps(
            {"url": url, "headers": [{"name": "Content-Type", "value": "application/json"}]}
        )
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(NOTIFICATION_CONFIG_MAP, controller_namespace, labels, None),
        "data": data,
    }


def render(
    plan: RolloutPlan, port: int, selector: Mapping[str, str], labels: Mapping[str, str]
) -> list[Manifest]:
    """Every per-server object of a plan: Rollout, both AnalysisTemplates, version Services."""
    return [
        rollout(plan, selector, labels),
        gate_template(plan, labels),
        background_template(plan, labels),
        *version_services(plan, port, selector, labels),
    ]
