"""Build the report model from a render, the stack's capacity plan and the policy results.

Per-server facts are read from the rendered resources, found by the ``mcp-fleet.io/server``
tag or label that every server's resources carry: the Deployment's image and namespace, the
autoscaler's bounds and the alarms guarding it. How requests reach it is read from the
gateway (issue 11: the ALB forwards only to the gateway): its route in the gateway's rendered
ConfigMap (``review.gateway_section``) gives the public URL, and the ALB's listener rule for
that URL's host, the target group it forwards to and that group's TargetGroupBinding are the
ones carrying the server's traffic, shared by every server. Only the capacity plan and the
SLO come from the settings, because cores, memory and nodes are sizing decisions no resource
records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from policy import contract
from policy import resource_types as types
from review.analyze import PolicyReport
from review.gateway_section import gateway_summary
from review.model import (
    Alarm,
    Capacity,
    GatewayRoute,
    GatewaySummary,
    PolicyResult,
    PolicyRun,
    Replicas,
    ResourceAmounts,
    ResourceEntry,
    Review,
    Route,
    Server,
    Slo,
    Summary,
)
from review.records import identity_of, server_of
from review.render import RenderedStack
from review.tenant_summary import tenant_summaries
from stacks.fleet_plan import PlannedServer, Settings

ALARM_KIND_KEY = contract.ALARM_KIND
DEPLOYMENT = types.DEPLOYMENT
AUTOSCALER = types.HORIZONTAL_POD_AUTOSCALER
LISTENER_RULE = types.LISTENER_RULE
ALARM_TYPES = {types.METRIC_ALARM: "metric", types.COMPOSITE_ALARM: "composite"}


def _is_binding(record: Mapping[str, Any]) -> bool:
    return record["type"].endswith(":TargetGroupBinding")


def _first(records: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    return next(iter(records), None)


def _image(deployment: Mapping[str, Any] | None) -> str | None:
    if deployment is None:
        return None
    spec = ((deployment["inputs"].get("spec") or {}).get("template") or {}).get("spec") or {}
    containers = spec.get("containers") or []
    return containers[0].get("image") if containers else None


def _hosts(rule: Mapping[str, Any]) -> list[str]:
    return [
        host
        for condition in rule["inputs"].get("conditions") or []
        for host in (condition.get("hostHeader") or {}).get("values") or []
    ]


@dataclass(frozen=True)
class AlbPath:
    """The ALB's side of a server's traffic: the rule for its host, group and binding."""

    route: Route | None
    target_group: str | None
    binding: str | None


def _alb_path(host: str, records: Iterable[Mapping[str, Any]]) -> AlbPath:
    """The listener rule forwarding ``host``, its target group and that group's binding."""
    records = list(records)
    rule = _first(r for r in records if r["type"] == LISTENER_RULE and host in _hosts(r))
    if rule is None:
        return AlbPath(None, None, None)
    groups = set((rule.get("propertyDependencies") or {}).get("actions") or [])
    group = next(iter(sorted(r["urn"] for r in records if r["urn"] in groups)), None)
    binding = next(
        (
            r["urn"]
            for r in records
            if _is_binding(r) and group in ((r.get("propertyDependencies") or {}).get("spec") or [])
        ),
        None,
    )
    priority = rule["inputs"].get("priority")
    route = Route(
        hosts=_hosts(rule),
        priority=int(priority) if isinstance(priority, int | float) else None,
        listener_rule=rule["urn"],
    )
    return AlbPath(route, group, binding)


def _alarm(record: Mapping[str, Any]) -> Alarm:
    inputs = record["inputs"]
    name = inputs.get("name") or inputs.get("alarmName") or record["name"]
    kind = identity_of(record).get(ALARM_KIND_KEY)
    return Alarm(
        name=str(name),
        kind=str(kind) if kind is not None else None,
        type=ALARM_TYPES[record["type"]],
        urn=record["urn"],
    )


def _capacity(server: PlannedServer) -> Capacity:
    plan = server.capacity
    return Capacity(
        peak_rps=server.peak_rps,
        cores_needed=plan.cores_needed,
        memory_needed_mb=plan.memory_needed_mb,
        nodes=plan.nodes,
        requests=ResourceAmounts(cpu=plan.cpu_request, memory=plan.memory_request),
        limits=ResourceAmounts(cpu=plan.cpu_limit, memory=plan.memory_limit),
        min_replicas=plan.min_replicas,
        max_replicas=plan.max_replicas,
    )


def _server(
    server: PlannedServer,
    records: list[Mapping[str, Any]],
    gateway_route: GatewayRoute | None,
    alb_paths: Mapping[str, AlbPath],
) -> Server:
    def of(type_token: str) -> list[Mapping[str, Any]]:
        return [r for r in records if r["type"] == type_token]

    deployment = _first(of(DEPLOYMENT))
    autoscaler = _first(of(AUTOSCALER))
    hpa_spec = (autoscaler["inputs"].get("spec") or {}) if autoscaler else {}
    metadata = (deployment["inputs"].get("metadata") or {}) if deployment else {}
    # A server the gateway routes is reached at its URL's host; one it does not route is
    # reached nowhere, and keeps the host name its settings give it.
    host = urlsplit(gateway_route.resource).hostname if gateway_route else None
    alb = alb_paths.get(host or "", AlbPath(None, None, None))
    return Server(
        name=server.name,
        tenant=server.tenant,
        namespace=metadata.get("namespace"),
        image=_image(deployment),
        hostname=host or server.hostname,
        replicas=Replicas(min=hpa_spec.get("minReplicas"), max=hpa_spec.get("maxReplicas")),
        capacity=_capacity(server),
        slo=Slo(
            tool_success_rate=server.slo.tool_success_rate,
            p95_latency_ms=server.slo.p95_latency_ms,
            error_budget=server.slo.error_budget,
            exception=server.slo.has_exception,
        ),
        alarms=[_alarm(r) for r in records if r["type"] in ALARM_TYPES],
        target_group=alb.target_group,
        binding=alb.binding,
        route=alb.route,
    )


def _gateway_routes(gateway: GatewaySummary | None) -> dict[str, GatewayRoute]:
    return {route.server: route for route in gateway.routes} if gateway else {}


def _policy_results(report: PolicyReport | None) -> list[PolicyResult]:
    if report is None:
        return []
    return [
        PolicyResult(
            policy=d.policy,
            pack=d.pack,
            level=d.severity,
            enforcement=d.enforcement,
            urn=d.urn,
            message=d.message,
        )
        for d in report.diagnostics
    ]


def _shown(path: Path) -> str:
    """A path as a person would type it here: relative to the working directory if inside."""
    here = Path.cwd()
    return (
        str(path.relative_to(here))
        if path.is_absolute() and path.is_relative_to(here)
        else str(path)
    )


def build_review(
    rendered: RenderedStack,
    settings: Settings,
    policy: PolicyReport | None = None,
    policy_config_file: Path | None = None,
) -> Review:
    """The report model of one rendered stack (and its policy results, when checked)."""
    by_server: dict[str, list[Mapping[str, Any]]] = {}
    for record in rendered.resources:
        name = server_of(record)
        if name is not None:
            by_server.setdefault(name, []).append(record)
    resources = [
        ResourceEntry(
            urn=r["urn"],
            type=r["type"],
            name=r["name"],
            parent=r.get("parent"),
            inputs=r.get("inputs") or {},
            dependencies=list(r.get("dependencies") or []),
        )
        for r in rendered.resources
    ]
    counts = Counter(r.type for r in resources)
    gateway = gateway_summary(rendered.resources)
    routes = _gateway_routes(gateway)
    hosts = {urlsplit(route.resource).hostname or "" for route in routes.values()}
    alb_paths = {host: _alb_path(host, rendered.resources) for host in sorted(hosts)}
    return Review(
        project=rendered.project,
        stack=rendered.stack,
        resources=resources,
        summary=Summary(total=len(resources), by_type=dict(sorted(counts.items()))),
        servers=[
            _server(s, by_server.get(s.name, []), routes.get(s.name), alb_paths)
            for s in settings.servers
        ],
        tenants=tenant_summaries(settings),
        gateway=gateway,
        policy=_policy_results(policy),
        policy_run=(
            PolicyRun(
                pack=policy.pack,
                version=policy.version,
                config_file=_shown(policy_config_file) if policy_config_file else None,
                policies={p.name: p.description for p in policy.policies},
            )
            if policy is not None
            else None
        ),
        exports=rendered.exports,
    )
