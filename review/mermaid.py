"""A Mermaid picture of what a stack runs, for the pull request comment.

Drawn from the rendered resources and the engine's own links between them (each input's
``propertyDependencies``), not from the code: load balancer -> host rules -> the workload its
target group's TargetGroupBinding registers (the gateway, issue 11) -> each server the
gateway routes (its rendered ConfigMap, ``review.gateway_section``), workloads by namespace,
remote servers outside; backup schedules -> backup bucket -> replica; alarms -> the topics
they notify (page or ticket) -> how many subscriptions each topic has. Many alarms are drawn
as one node per server and topic, so the picture stays readable for a large fleet.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from policy import contract
from policy import resource_types as types
from review.gateway_section import gateway_summary
from review.records import server_of
from review.render import RenderedStack

LB = types.LOAD_BALANCER
LISTENER = types.LISTENER
RULE = types.LISTENER_RULE
TARGET_GROUP = types.TARGET_GROUP
BINDING = types.TARGET_GROUP_BINDING
SERVICE = types.SERVICE
DEPLOYMENT = types.DEPLOYMENT
HPA = types.HORIZONTAL_POD_AUTOSCALER
BUCKET = types.BUCKET
REPLICATION = types.BUCKET_REPLICATION
CRONJOB = types.CRON_JOB
ALARM = types.METRIC_ALARM
COMPOSITE = types.COMPOSITE_ALARM
NOBODY = "(nobody)"
ALARM_IN_RULE = re.compile(r'ALARM\(\s*"?([^")]+?)"?\s*\)')
TOPIC = types.TOPIC
SUBSCRIPTION = types.TOPIC_SUBSCRIPTION

Resource = Mapping[str, Any]


def escape(label: str) -> str:
    """Text safe inside a quoted Mermaid label: quotes, brackets and markup as entities."""
    replacements = {
        "#": "#35;",
        "&": "#38;",
        '"': "#quot;",
        "<": "#lt;",
        ">": "#gt;",
        "`": "#96;",
        "|": "#124;",
        "[": "#91;",
        "]": "#93;",
        "{": "#123;",
        "}": "#125;",
    }
    return "".join(replacements.get(ch, ch) for ch in label).replace("\n", " ")


def _label(*lines: str) -> str:
    return '"' + "<br/>".join(escape(line) for line in lines if line) + '"'


class _Ids:
    """Mermaid node ids: stable, unique, of [A-Za-z0-9_] only, never a keyword like 'end'."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str], str] = {}

    def __call__(self, kind: str, key: str) -> str:
        if (kind, key) not in self.ids:
            base = f"{kind}_{re.sub(r'[^A-Za-z0-9]+', '_', key).strip('_')}"
            candidate, n = base, 2
            while candidate in self.ids.values():
                candidate, n = f"{base}_{n}", n + 1
            self.ids[(kind, key)] = candidate
        return self.ids[(kind, key)]


def _inputs(resource: Resource) -> dict[str, Any]:
    return dict(resource.get("inputs") or {})


def _deps(resource: Resource, *keys: str) -> set[str]:
    links = resource.get("propertyDependencies") or {}
    return {urn for key in keys for urn in links.get(key, [])}


def _short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _name(resource: Resource) -> str:
    """The physical name as declared (a name prefix shown with a trailing '*')."""
    inputs = _inputs(resource)
    metadata = inputs.get("metadata") or {}
    for value in (inputs.get("name"), metadata.get("name"), inputs.get("bucket")):
        if isinstance(value, str) and value and value != "[unknown]":
            return value
    for value in (inputs.get("namePrefix"), inputs.get("bucketPrefix")):
        if isinstance(value, str) and value:
            return value + "*"
    return str(resource["name"])


def stack_diagram(stack: RenderedStack) -> str:
    """The flowchart source (without the ```mermaid fence)."""
    by_urn = {r["urn"]: r for r in stack.resources}
    ids = _Ids()
    lines = ["flowchart LR"]
    lines += _workloads(stack, ids)
    lines += _load_balancer(stack, by_urn, ids)
    lines += _gateway_routes(stack, ids)
    lines += _backups(stack, by_urn, ids)
    lines += _alarms(stack, by_urn, ids)
    return "\n".join(lines)


def _namespace(resource: Resource) -> str:
    return str((_inputs(resource).get("metadata") or {}).get("namespace", "default"))


def _node(deployment: Resource, ids: _Ids) -> str:
    """A server's node is named by its server; a fleet-wide workload (the gateway, a
    controller, a collector: labelled server ``fleet``) by its namespace and name."""
    server = server_of(deployment)
    if server and server != contract.FLEET_SERVER:
        return ids("server", server)
    return ids("workload", f"{_namespace(deployment)}/{_name(deployment)}")


def _workloads(stack: RenderedStack, ids: _Ids) -> list[str]:
    scaling = {}
    for hpa in stack.of_type(HPA):
        spec = _inputs(hpa).get("spec") or {}
        target = (spec.get("scaleTargetRef") or {}).get("name")
        scaling[(_namespace(hpa), target)] = (spec.get("minReplicas"), spec.get("maxReplicas"))
    by_namespace: dict[str, list[str]] = defaultdict(list)
    for deployment in sorted(stack.of_type(DEPLOYMENT), key=_name):
        server = server_of(deployment)
        title = server if server and server != contract.FLEET_SERVER else _name(deployment)
        namespace = _namespace(deployment)
        low, high = scaling.get((namespace, _name(deployment)), (None, None))
        fixed = (_inputs(deployment).get("spec") or {}).get("replicas")
        pods = f"{low}-{high} pods" if low is not None else f"{fixed} pods" if fixed else ""
        by_namespace[namespace].append(f"    {_node(deployment, ids)}[{_label(title, pods)}]")
    lines = []
    for namespace in sorted(by_namespace):
        lines.append(f"  subgraph {ids('ns', namespace)}[{_label('namespace ' + namespace)}]")
        lines += by_namespace[namespace]
        lines.append("  end")
    return lines


def _load_balancer(stack: RenderedStack, by_urn: Mapping[str, Resource], ids: _Ids) -> list[str]:
    lines = []
    listener_lb = {
        listener["urn"]: next(iter(sorted(_deps(listener, "loadBalancerArn"))), None)
        for listener in stack.of_type(LISTENER)
    }
    for lb in stack.of_type(LB):
        inputs = _inputs(lb)
        scheme = "internal" if inputs.get("internal") else "internet-facing"
        protocols = sorted(
            f"{_inputs(listener).get('protocol', '?')} :{_inputs(listener).get('port', '?')}"
            for listener in stack.of_type(LISTENER)
            if listener_lb.get(listener["urn"]) == lb["urn"]
        )
        lines.append(
            f"  {ids('lb', lb['name'])}[{_label('ALB ' + _name(lb), scheme, ', '.join(protocols))}]"
        )
        for bucket_urn in sorted(_deps(lb, "accessLogs")):
            if bucket_urn in by_urn:
                lines.append(
                    f"  {ids('bucket', _short(bucket_urn))}[({_label('access logs', _name(by_urn[bucket_urn]))})]"
                )
                lines.append(
                    f"  {ids('lb', lb['name'])} -.->|access logs| {ids('bucket', _short(bucket_urn))}"
                )
    target_nodes = _target_group_nodes(stack, by_urn, ids)
    for rule in sorted(stack.of_type(RULE), key=lambda r: _inputs(r).get("priority") or 0):
        lb_urns = {listener_lb.get(u) for u in _deps(rule, "listenerArn")} - {None}
        hosts = [
            host
            for condition in _inputs(rule).get("conditions") or []
            for host in (condition.get("hostHeader") or {}).get("values") or []
        ]
        nodes = sorted(
            {target_nodes[tg] for tg in _deps(rule, "actions") if tg in target_nodes}
        ) or ([ids("server", s)] if (s := server_of(rule)) else [])
        for lb_urn in sorted(str(u) for u in lb_urns):
            for node in nodes:
                route = ", ".join(hosts) or "(any host)"
                lines.append(f"  {ids('lb', _short(lb_urn))} -->|{_label(route)}| {node}")
    return lines


def _target_group_nodes(
    stack: RenderedStack, by_urn: Mapping[str, Resource], ids: _Ids
) -> dict[str, str]:
    """Target group URN -> the node of the workload its TargetGroupBinding registers: the
    Deployment in the bound Service's namespace whose pod labels the Service selects."""
    found = {}
    for binding in stack.of_type(BINDING):
        linked = [by_urn[u] for u in _deps(binding, "spec") if u in by_urn]
        services = [r for r in linked if r["type"] == SERVICE]
        selected = [d for s in services[:1] for d in _selected(stack, s)]
        node = (
            _node(selected[0], ids)
            if selected
            else ids("server", s)
            if (s := server_of(services[0] if services else binding))
            else None
        )
        for target_group in (r for r in linked if r["type"] == TARGET_GROUP):
            if node:
                found[target_group["urn"]] = node
    return found


def _selected(stack: RenderedStack, service: Resource) -> list[Resource]:
    """The Deployments in the Service's namespace whose pod template its selector matches."""
    selector = (_inputs(service).get("spec") or {}).get("selector") or {}
    if not selector:
        return []
    return [
        deployment
        for deployment in sorted(stack.of_type(DEPLOYMENT), key=_name)
        if _namespace(deployment) == _namespace(service)
        and selector.items() <= _pod_labels(deployment).items()
    ]


def _pod_labels(deployment: Resource) -> dict[str, Any]:
    template = (_inputs(deployment).get("spec") or {}).get("template") or {}
    return dict((template.get("metadata") or {}).get("labels") or {})


def _gateway_routes(stack: RenderedStack, ids: _Ids) -> list[str]:
    """The gateway -> each server it routes, labelled with the route's path; a remote
    server (outside the cluster) is drawn as its own node with its upstream."""
    gateway = gateway_summary(stack.resources)
    deployments = [
        d
        for d in stack.of_type(DEPLOYMENT)
        if _component(d) == "gateway" and _namespace(d) == (gateway.namespace if gateway else "")
    ]
    if gateway is None or not deployments:
        return []
    source = _node(deployments[0], ids)
    lines = []
    for route in gateway.routes:
        target = ids("server", route.server)
        if route.kind == "remote":
            lines.append(f"  {target}[/{_label(route.server, 'remote', route.upstream)}/]")
        path = urlsplit(route.resource).path or route.resource
        lines.append(f"  {source} -->|{_label(path)}| {target}")
    return lines


def _backups(stack: RenderedStack, by_urn: Mapping[str, Resource], ids: _Ids) -> list[str]:
    jobs = [
        job
        for job in stack.of_type(CRONJOB)
        if any(by_urn.get(u, {}).get("type") == BUCKET for u in _deps(job, "spec"))
        and _component(job) in (None, "backup")
    ]
    if not jobs:
        return []
    lines = [f"  subgraph {ids('group', 'backups')}[{_label('backups')}]"]
    buckets: set[str] = set()
    for job in sorted(jobs, key=_name):
        spec = _inputs(job).get("spec") or {}
        lines.append(
            f"    {ids('job', job['name'])}[{_label(_name(job), str(spec.get('schedule', '')))}]"
        )
        for bucket_urn in sorted(
            u for u in _deps(job, "spec") if by_urn.get(u, {}).get("type") == BUCKET
        ):
            buckets.add(bucket_urn)
            lines.append(f"    {ids('job', job['name'])} --> {ids('bucket', _short(bucket_urn))}")
    replicas = []
    for replication in stack.of_type(REPLICATION):
        for source in _deps(replication, "bucket"):
            for target in _deps(replication, "rules"):
                if by_urn.get(target, {}).get("type") == BUCKET:
                    buckets.update((source, target))
                    replicas.append((source, target))
    for bucket_urn in sorted(buckets):
        bucket = by_urn[bucket_urn]
        inputs = _inputs(bucket)
        traits = ", ".join(
            t
            for t in (
                "object lock" if inputs.get("objectLockEnabled") else "",
                str(inputs.get("region") or ""),
            )
            if t
        )
        lines.append(
            f"    {ids('bucket', _short(bucket_urn))}[({_label('bucket ' + _name(bucket), traits)})]"
        )
    for source, target in sorted(replicas):
        lines.append(
            f"    {ids('bucket', _short(source))} -.->|replica| {ids('bucket', _short(target))}"
        )
    lines.append("  end")
    return lines


def _component(resource: Resource) -> str | None:
    """``app.kubernetes.io/component``: tells a backup job from a job that checks on it."""
    labels = (_inputs(resource).get("metadata") or {}).get("labels") or {}
    value = labels.get(contract.COMPONENT)
    return str(value) if value else None


def _alarms(stack: RenderedStack, by_urn: Mapping[str, Resource], ids: _Ids) -> list[str]:
    """Alarms per server, with edges to the topics they notify and how many go there.

    A metric alarm that only feeds a composite alarm (a burn-rate window, say) notifies
    through the composite, so it is counted but drawn no edge of its own.
    """
    alarms = stack.of_type(ALARM) + stack.of_type(COMPOSITE)
    if not alarms:
        return []
    feeding = _feeding_composites(stack)
    totals: Counter[str] = Counter()
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for alarm in alarms:
        server = server_of(alarm) or "fleet"
        totals[server] += 1
        topics = sorted(u for u in _deps(alarm, "alarmActions") if u in by_urn)
        if not topics and alarm["urn"] in feeding:
            continue
        for topic in topics or [NOBODY]:
            groups[server][topic] += 1
    lines = [f"  subgraph {ids('group', 'alarms')}[{_label('alarms')}]"]
    for server in sorted(totals):
        lines.append(f"    {ids('alarms', server)}[{_label(f'{server}: {totals[server]} alarms')}]")
    lines.append("  end")
    topics_drawn: set[str] = set()
    for server in sorted(groups):
        for topic, count in sorted(groups[server].items()):
            target = ids("topic", _short(topic))
            if topic not in topics_drawn:
                topics_drawn.add(topic)
                lines.append(f"  {target}{{{{{_topic_label(topic, stack, by_urn)}}}}}")
            lines.append(f"  {ids('alarms', server)} -->|{count}| {target}")
    return lines


def _feeding_composites(stack: RenderedStack) -> set[str]:
    """Metric alarms a composite alarm's rule names (``ALARM("name")``), by URN."""
    by_name = {_name(alarm): alarm["urn"] for alarm in stack.of_type(ALARM)}
    named = {
        name
        for composite in stack.of_type(COMPOSITE)
        for name in ALARM_IN_RULE.findall(str(_inputs(composite).get("alarmRule") or ""))
    }
    return {by_name[name] for name in named if name in by_name}


def _topic_label(topic_urn: str, stack: RenderedStack, by_urn: Mapping[str, Resource]) -> str:
    if topic_urn not in by_urn:
        return _label("nobody is notified")
    topic = by_urn[topic_urn]
    name = _name(topic)
    severity = "page" if name.endswith("page") else "ticket" if name.endswith("ticket") else ""
    protocols = Counter(
        str(_inputs(s).get("protocol", "?"))
        for s in _subscriptions(stack.of_type(SUBSCRIPTION), topic_urn)
    )
    subscribers = ", ".join(f"{n} {p}" for p, n in sorted(protocols.items())) or "no subscriptions"
    return _label(f"{severity}: {name}" if severity else name, subscribers)


def _subscriptions(subscriptions: Iterable[Resource], topic_urn: str) -> list[Resource]:
    return [s for s in subscriptions if topic_urn in _deps(s, "topic")]
