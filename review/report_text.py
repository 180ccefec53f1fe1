"""The review as text for people: what the stack declares, per server, and the policy verdict.

Tables come from rich, so a terminal gets colour and a file or CI log gets plain aligned text.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from review.gateway_section import gateway_table
from review.model import GatewayRoute, PolicyResult, ResourceEntry, Review, Server
from review.report_changes_text import changes_renderables
from review.tenant_summary import tenant_table

ROOT = "(stack)"
FILE_WIDTH = 160


def short_type(type_token: str) -> str:
    """``aws:lb/targetGroup:TargetGroup`` -> ``aws:lb:TargetGroup``: enough to tell apart."""
    parts = type_token.split(":")
    if len(parts) != 3:
        return type_token
    return f"{parts[0]}:{parts[1].split('/')[0]}:{parts[2]}"


def resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if "::" in urn else urn


def component_label(resource: ResourceEntry | None) -> str:
    if resource is None:
        return ROOT
    return f"{resource.type.rsplit(':', 1)[-1]} {resource.name}"


def _owning_components(review: Review) -> dict[str, ResourceEntry | None]:
    """Each resource's nearest component ancestor (None for the stack itself)."""
    by_urn = {r.urn: r for r in review.resources}
    components = {r.urn for r in review.resources if _is_component(r)}
    owners: dict[str, ResourceEntry | None] = {}
    for resource in review.resources:
        parent = resource.parent
        while parent is not None and parent in by_urn and parent not in components:
            parent = by_urn[parent].parent
        owners[resource.urn] = by_urn.get(parent) if parent in components else None
    return owners


def _is_component(resource: ResourceEntry) -> bool:
    return not resource.type.startswith(("aws:", "kubernetes:", "pulumi:"))


def resources_table(review: Review) -> Table:
    owners = _owning_components(review)
    counts = Counter((component_label(owners[r.urn]), short_type(r.type)) for r in review.resources)
    table = Table(title="Resources by component and type", title_justify="left")
    table.add_column("Component")
    table.add_column("Type")
    table.add_column("Count", justify="right")
    previous = None
    for (component, type_name), count in sorted(counts.items()):
        table.add_row(component if component != previous else "", type_name, str(count))
        previous = component
    table.add_section()
    table.add_row("total", "", str(review.summary.total))
    return table


def _alarms(server: Server) -> str:
    if not server.alarms:
        return "none"
    kinds = sorted(
        f"{alarm.kind or alarm.name}{' (composite)' if alarm.type == 'composite' else ''}"
        for alarm in server.alarms
    )
    return f"{len(kinds)}: " + ", ".join(kinds)


def _gateway_row(route: GatewayRoute | None) -> str:
    """How a client reaches the server: its URL at the gateway, and where the gateway sends it."""
    if route is None:
        return "not routed by the gateway: unreachable"
    return (
        f"{route.resource} -> gateway (tenant {route.tenant or '?'}, "
        f"session {route.session}) -> {route.kind} {route.upstream}"
    )


def _load_balancer_row(server: Server) -> str:
    """The ALB side, shared by every server: the rule for the URL's host, group and binding."""
    if server.route is None:
        return f"no listener rule forwards {server.hostname}"
    priority = f" (rule priority {server.route.priority})" if server.route.priority else ""
    target = resource_name(server.target_group) if server.target_group else "no target group"
    binding = resource_name(server.binding) if server.binding else "no binding"
    return (
        f"https://{', '.join(server.route.hosts)}{priority} -> target group {target} "
        f"(binding {binding}), shared by every server"
    )


def server_table(server: Server, gateway_route: GatewayRoute | None = None) -> Table:
    plan, slo = server.capacity, server.slo
    table = Table(
        title=f"{server.name}  (tenant {server.tenant})",
        title_justify="left",
        show_header=False,
    )
    table.add_column("fact", style="bold")
    table.add_column("value", overflow="fold")
    table.add_row("image", server.image or "none declared")
    table.add_row("namespace", server.namespace or "unknown")
    table.add_row("route", _gateway_row(gateway_route))
    table.add_row("load balancer", _load_balancer_row(server))
    table.add_row(
        "replicas", f"{server.replicas.min}..{server.replicas.max} (HorizontalPodAutoscaler)"
    )
    table.add_row(
        "capacity plan",
        f"peak {plan.peak_rps:g} rps: {plan.cores_needed:g} cores, "
        f"{plan.memory_needed_mb:g} MB, {plan.nodes} node(s); "
        f"{plan.min_replicas}..{plan.max_replicas} replicas",
    )
    table.add_row(
        "per pod",
        f"requests {plan.requests.cpu} / {plan.requests.memory}, "
        f"limits {plan.limits.cpu} / {plan.limits.memory}",
    )
    exception = ", signed exception" if slo.exception else ""
    table.add_row(
        "SLO",
        f"tool success >= {slo.tool_success_rate:g}%, p95 <= {slo.p95_latency_ms} ms "
        f"(error budget {slo.error_budget:g}{exception})",
    )
    table.add_row("alarms", _alarms(server))
    return table


def _detail(result: PolicyResult, description: str | None) -> str:
    """The pack repeats the policy's description before each message; show what's new."""
    if description and result.message.startswith(description):
        rest = result.message[len(description) :].strip()
        return rest or description
    return result.message


def policy_table(review: Review) -> Table:
    descriptions = review.policy_run.policies if review.policy_run else {}
    table = Table(title="Policy results", title_justify="left")
    table.add_column("Enforcement", no_wrap=True)
    table.add_column("Level", no_wrap=True)
    table.add_column("Policy", no_wrap=True)
    table.add_column("Resource", max_width=40, overflow="fold")
    table.add_column("Message", overflow="fold", ratio=1)
    ordered = sorted(review.policy, key=lambda r: (not r.blocking, r.policy, r.urn))
    for result in ordered:
        style = "bold red" if result.blocking else "yellow"
        table.add_row(
            Text(result.enforcement, style=style),
            result.level or "",
            result.policy,
            resource_name(result.urn),
            _detail(result, descriptions.get(result.policy)),
        )
    return table


def verdict(review: Review) -> Text:
    run = review.policy_run
    if run is None:
        return Text("policy: not checked (--skip-policy)", style="yellow")
    blocking = review.mandatory_violations
    advisory = len(review.policy) - len(blocking)
    source = f", config {run.config_file}" if run.config_file else ""
    head = f"policy: {run.pack} {run.version} ({len(run.policies)} policies{source}): "
    if blocking:
        failed = sorted({r.policy for r in blocking})
        return Text(
            head + f"FAILED, {len(blocking)} mandatory violation(s) of {', '.join(failed)}"
            f"{f'; {advisory} advisory' if advisory else ''}",
            style="bold red",
        )
    return Text(head + f"passed{f'; {advisory} advisory' if advisory else ''}", style="green")


def renderables(review: Review) -> Iterable[RenderableType]:
    yield Text(
        f"{review.project} / {review.stack}: {review.summary.total} resources, "
        f"{len(review.servers)} servers",
        style="bold",
    )
    yield verdict(review)
    if review.changes is not None:
        # Against a base revision: what changes (call-outs first) before what is declared.
        yield Text("")
        yield from changes_renderables(review.changes)
    yield Text("")
    yield resources_table(review)
    if review.tenants:
        yield Text("")
        yield tenant_table(review.tenants)
    if review.gateway is not None:
        yield Text("")
        yield gateway_table(review.gateway)
    routes = {route.server: route for route in review.gateway.routes} if review.gateway else {}
    for server in review.servers:
        yield Text("")
        yield server_table(server, routes.get(server.name))
    if review.policy:
        yield Text("")
        yield policy_table(review)
        yield verdict(review)


def print_text(review: Review, console: Console | None = None) -> None:
    (console or Console()).print(Group(*renderables(review)))


def render_text(review: Review, width: int = FILE_WIDTH) -> str:
    """Plain text (no colour codes) for a file or a log."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, force_terminal=False)
    print_text(review, console)
    return buffer.getvalue()
