"""The review's gateway section: its replicas and every route, as the render would deploy them.

Read from the rendered resources, never recomputed from settings: the gateway's ConfigMap
(``haproxy.cfg``, the text HAProxy runs) gives each route's public URL, tenant, approved
tools, session handling and upstream; its Deployment and HorizontalPodAutoscaler give the
replica counts. A route is remote when its upstream is not a cluster-local name (the rule
``remote-server-governed`` uses the same reading, ``policy.remote_facts``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from rich.table import Table

from policy import resource_types as types
from policy.gateway_config import backends_used, section
from policy.remote_facts import remote_routes
from review.model import GatewayRoute, GatewaySummary

COMPONENT = "app.kubernetes.io/component"
GATEWAY = "gateway"
CONFIG_KEY = "haproxy.cfg"
ROUTE_VARIABLE = re.compile(r"^http-request set-var\(txn\.(\w+)\) str\((\S+)\) if route_(\S+)$")
TOOLS = re.compile(r"str\(tool-not-approved\) if route_(\S+) is_tools_call !(?:\{ (.*) \}|FALSE)$")
TEMPLATE = re.compile(r"^server-template \S+ \d+-(\d+) (\S+)")


def _gateway_records(resources: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The gateway's ConfigMap, Deployment and autoscaler, by resource type."""
    found: dict[str, Mapping[str, Any]] = {}
    for record in resources:
        labels = ((record.get("inputs") or {}).get("metadata") or {}).get("labels") or {}
        if labels.get(COMPONENT) == GATEWAY and record["type"] not in found:
            found[record["type"]] = record
    return found


def _route_facts(frontend: list[str]) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """({route: {server, server_tenant, resource, ...}}, {route: approved tools})."""
    variables: dict[str, dict[str, str]] = {}
    tools: dict[str, list[str]] = {}
    for line in frontend:
        variable = ROUTE_VARIABLE.match(line)
        if variable:
            variables.setdefault(variable.group(3), {})[variable.group(1)] = variable.group(2)
        listed = TOOLS.search(line)
        if listed:
            tools[listed.group(1)] = sorted((listed.group(2) or "").split()[3:])
    return variables, tools


def _local_upstream(lines: list[str]) -> str:
    for line in lines:
        template = TEMPLATE.match(line)
        if template:
            labels = template.group(2).split(".")
            while labels and labels[0].startswith("_"):  # _mcp._tcp.: the SRV service labels
                labels.pop(0)
            name = ".".join(labels).replace(".svc.cluster.local", ".svc")
            return f"{name} (SRV, up to {template.group(1)} replicas)"
    addresses = [line.split()[2] for line in lines if line.startswith("server ")]
    if not addresses:
        return "no upstream"
    first = addresses[0]
    service = first.split(".", 1)[1] if first.count(".") > 1 else first
    return f"{service.replace('.svc.cluster.local', '.svc')} ({len(addresses)} replica slots)"


def _session(lines: list[str], remote: bool) -> str:
    if remote:
        return "one-upstream"
    return "pinned" if any("mcp-session-id" in line.lower() for line in lines) else "per-request"


def gateway_routes(text: str) -> list[GatewayRoute]:
    """Every route ``frontend mcp`` sends to a backend, in the configuration's order."""
    frontend = section(text, "frontend mcp")
    variables, tools = _route_facts(frontend)
    remotes = {route.name: route for route in remote_routes(text)}
    found = []
    for backend, condition in backends_used(frontend):
        name = condition.removeprefix("route_") if condition.startswith("route_") else ""
        facts = variables.get(name, {})
        lines = section(text, f"backend {backend}")
        remote = remotes.get(name)
        found.append(
            GatewayRoute(
                server=facts.get("server", name or backend),
                resource=facts.get("resource", ""),
                tenant=facts.get("server_tenant", ""),
                session=_session(lines, remote is not None),
                approved_tools=tools.get(name, []),
                kind="remote" if remote else "local",
                upstream=remote.endpoint if remote else _local_upstream(lines),
            )
        )
    return found


def _number(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def gateway_summary(resources: Iterable[Mapping[str, Any]]) -> GatewaySummary | None:
    """The gateway of a render; None when it has no gateway ConfigMap."""
    records = _gateway_records(resources)
    config_map = records.get(types.CONFIG_MAP)
    text = ((config_map or {}).get("inputs") or {}).get("data", {}).get(CONFIG_KEY)
    if not isinstance(text, str):
        return None
    deployment = (records.get(types.DEPLOYMENT) or {}).get("inputs") or {}
    autoscaler = (records.get(types.HORIZONTAL_POD_AUTOSCALER) or {}).get("inputs") or {}
    hpa = autoscaler.get("spec") or {}
    return GatewaySummary(
        namespace=((config_map or {}).get("inputs") or {}).get("metadata", {}).get("namespace"),
        replicas=_number((deployment.get("spec") or {}).get("replicas")),
        min_replicas=_number(hpa.get("minReplicas")),
        max_replicas=_number(hpa.get("maxReplicas")),
        routes=gateway_routes(text),
    )


def _tools(route: GatewayRoute) -> str:
    return (
        f"{len(route.approved_tools)}: {', '.join(route.approved_tools)}"
        if route.approved_tools
        else "none"
    )


def _origin(gateway: GatewaySummary) -> str:
    """The public scheme and host every route shares (``https://mcp.dev.acme.example``)."""
    parts = {urlsplit(route.resource)[:2] for route in gateway.routes if route.resource}
    return f"{next(iter(parts))[0]}://{next(iter(parts))[1]}" if len(parts) == 1 else ""


def _path(route: GatewayRoute) -> str:
    return urlsplit(route.resource).path or route.resource


def replicas_line(gateway: GatewaySummary) -> str:
    origin = _origin(gateway)
    return (
        f"gateway{f' {origin}' if origin else ''} in {gateway.namespace or 'unknown namespace'}: "
        f"{gateway.replicas if gateway.replicas is not None else '?'} replicas "
        f"(HPA {gateway.min_replicas}..{gateway.max_replicas}), {len(gateway.routes)} routes"
    )


def gateway_table(gateway: GatewaySummary) -> Table:
    """The text report's table: one row per route."""
    table = Table(title=f"Gateway routes ({replicas_line(gateway)})", title_justify="left")
    for column in ("server", "route", "tenant", "session", "tools", "kind", "upstream"):
        table.add_column(column, overflow="fold")
    for route in gateway.routes:
        table.add_row(
            route.server,
            _path(route) if _origin(gateway) else route.resource,
            route.tenant,
            route.session,
            _tools(route),
            route.kind,
            route.upstream,
        )
    return table


def gateway_markdown(gateway: GatewaySummary, cell: Any, code: Any) -> str:
    """The PR comment's table (``cell``/``code`` escape as the rest of the comment does)."""
    rows = [
        f"| {code(r.server)} | {cell(_path(r) if _origin(gateway) else r.resource)} | {cell(r.tenant)} | {cell(r.session)} "
        f"| {cell(_tools(r))} | {cell(r.kind)} | {cell(r.upstream)} |"
        for r in gateway.routes
    ]
    return (
        f"{replicas_line(gateway)}.\n\n"
        "| Server | Route | Tenant | Session | Approved tools | Kind | Upstream |\n"
        "|---|---|---|---|---|---|---|\n" + "\n".join(rows)
    )
