"""What a change does to one stack: the resources of two renders matched by URN, compared.

A pull request reviewer needs the engine's view, not the code's: which resources Pulumi would
add, delete, replace or change, and which properties move. Resources are matched by URN (or
by an alias the new code declares); a URN that changes without an alias is a delete plus an
add, as Pulumi would do it, and is marked as a likely rename. Secret values arrive from the
renderer as a placeholder and stay that way: a change involving one is reported as "secret
value (not shown)".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from review import replacement_rules
from review.property_changes import (
    PropertyChange,
    PropertyChangeKind,
    property_changes,
)
from review.records import server_of
from review.render import RenderedStack

FLEET_WIDE = "fleet-wide"
"""The server group of resources shared by the whole fleet (load balancer, buckets...)."""

Resource = Mapping[str, Any]

SAME_OBJECT_NOTE = (
    "; both are the same Kubernetes object, so deleting the old one deletes the object: "
    "add an alias"
)


class ChangeKind(StrEnum):
    ADDED = "added"
    DELETED = "deleted"
    REPLACED = "replaced"
    CHANGED = "changed"


KIND_ORDER = {
    ChangeKind.DELETED: 0,
    ChangeKind.REPLACED: 1,
    ChangeKind.CHANGED: 2,
    ChangeKind.ADDED: 3,
}


@dataclass(frozen=True)
class ResourceChange:
    urn: str
    type: str
    name: str
    kind: ChangeKind
    component: str
    """The nearest component resource, e.g. ``McpServer mcp-github``."""
    server: str
    """The MCP server the resource belongs to, or ``fleet-wide``."""
    properties: tuple[PropertyChange, ...] = ()
    note: str | None = None
    base_urn: str | None = None
    """Set when the resource was matched through an alias (the URN it had at base)."""
    before: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    after: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    """The cleaned records compared, for the call-out rules; reports do not print them."""

    @property
    def replacement_reasons(self) -> tuple[str, ...]:
        return tuple(
            f"{p.path} ({p.replaces.source})"
            for p in self.properties
            if p.replaces is not None and not p.ignored
        )


@dataclass(frozen=True)
class StackDiff:
    """One stack at a base revision against the working tree."""

    stack: str
    base_ref: str
    changes: tuple[ResourceChange, ...]
    base_missing: str | None = None
    """Why there is no base render ("stack is new at base"): every resource is then added."""
    unchanged: int = 0

    def count(self, kind: ChangeKind) -> int:
        return sum(1 for change in self.changes if change.kind is kind)

    def counts(self) -> dict[ChangeKind, int]:
        return {kind: self.count(kind) for kind in ChangeKind}

    def groups(self) -> dict[tuple[str, str], list[ResourceChange]]:
        """Changes by (server, component), in a stable order: fleet-wide first."""
        grouped: dict[tuple[str, str], list[ResourceChange]] = {}
        for change in self.changes:
            grouped.setdefault((change.server, change.component), []).append(change)
        return dict(sorted(grouped.items(), key=lambda item: _group_order(item[0])))


def _group_order(key: tuple[str, str]) -> tuple[int, str, str]:
    server, component = key
    return (0 if server == FLEET_WIDE else 1, server, component)


# -- matching ------------------------------------------------------------------------------


def diff_stacks(
    base: RenderedStack | None,
    head: RenderedStack,
    base_ref: str,
    base_missing: str | None = None,
) -> StackDiff:
    """Compare two renders of one stack; ``base`` is None when the stack is new at base."""
    base_resources = {r["urn"]: r for r in (base.resources if base else [])}
    head_resources = {r["urn"]: r for r in head.resources}
    head_index = _Ancestry(head.resources)
    base_index = _Ancestry(base.resources if base else [])

    matched: list[tuple[Resource, Resource]] = []
    added: list[Resource] = []
    taken: set[str] = set()
    for urn, resource in head_resources.items():
        previous = base_resources.get(urn)
        if previous is None:
            previous = next(
                (
                    base_resources[alias]
                    for alias in alias_urns(resource)
                    if alias in base_resources and alias not in head_resources
                ),
                None,
            )
        if previous is None:
            added.append(resource)
        else:
            matched.append((previous, resource))
            taken.add(previous["urn"])
    deleted = [r for urn, r in base_resources.items() if urn not in taken]
    renames = _likely_renames(deleted, added)

    changes: list[ResourceChange] = []
    unchanged = 0
    for before, after in matched:
        change = _compare(before, after, head_index)
        if change is None:
            unchanged += 1
        else:
            changes.append(change)
    for new_resource in added:
        note = None
        if new_resource["urn"] in renames:
            old_urn = renames[new_resource["urn"]]
            note = (
                f"URN changed from {old_urn} without an alias: "
                "Pulumi creates this and deletes the old one"
            )
            if _kubernetes_identity(new_resource) is not None and _kubernetes_identity(
                new_resource
            ) == _kubernetes_identity(base_resources[old_urn]):
                note += SAME_OBJECT_NOTE
        changes.append(_whole(new_resource, ChangeKind.ADDED, head_index, note))
    reverse_renames = {old: new for new, old in renames.items()}
    for resource in deleted:
        note = None
        if resource["urn"] in reverse_renames:
            note = (
                f"URN changed to {reverse_renames[resource['urn']]} without an alias: "
                "Pulumi deletes this and creates the new one (add an alias to keep it)"
            )
        changes.append(_whole(resource, ChangeKind.DELETED, base_index, note))
    changes.sort(key=_change_order)
    return StackDiff(head.stack, base_ref, tuple(changes), base_missing, unchanged)


def _change_order(change: ResourceChange) -> tuple[Any, ...]:
    return (
        *_group_order((change.server, change.component)),
        KIND_ORDER[change.kind],
        change.type,
        change.name,
        change.urn,
    )


def _likely_renames(deleted: Sequence[Resource], added: Sequence[Resource]) -> dict[str, str]:
    """Added URN -> deleted URN for pairs that look like the same object under a new URN."""
    renames: dict[str, str] = {}
    used: set[str] = set()
    for new in sorted(added, key=lambda r: r["urn"]):
        for old in sorted(deleted, key=lambda r: r["urn"]):
            if old["urn"] in used or old["type"] != new["type"] or not new.get("custom"):
                continue
            if old["inputs"] == new["inputs"] or (
                _kubernetes_identity(old) is not None
                and _kubernetes_identity(old) == _kubernetes_identity(new)
            ):
                renames[new["urn"]] = old["urn"]
                used.add(old["urn"])
                break
    return renames


def _kubernetes_identity(resource: Resource) -> tuple[str, str, str] | None:
    if not resource["type"].startswith("kubernetes:"):
        return None
    metadata = resource["inputs"].get("metadata") or {}
    name = metadata.get("name")
    if not isinstance(name, str):
        return None
    return (resource["type"], str(metadata.get("namespace", "")), name)


def alias_urns(resource: Resource) -> list[str]:
    """The URNs a resource's aliases name (alias URNs as given, alias specs resolved)."""
    options = resource.get("options") or {}
    urns = list(options.get("aliases") or [])
    for alias in options.get("aliasSpecs") or []:
        if "urn" in alias:
            urns.append(alias["urn"])
        elif "spec" in alias:
            urns.append(_spec_urn(resource, alias["spec"]))
    return urns


def _spec_urn(resource: Resource, spec: Mapping[str, Any]) -> str:
    """The URN an alias spec names, built the way the mock monitor builds URNs.

    Both renders come from the mock runtime, whose URNs qualify a child's type with its
    parent's own type only (``Parent$Child``), so aliases resolve against the same scheme.
    """
    stack, project = _urn_stack_project(resource["urn"])
    type_token = spec.get("type") or resource["type"]
    parent_urn = None if spec.get("noParent") else spec.get("parentUrn") or resource.get("parent")
    if parent_urn:
        type_token = f"{parent_urn.split('::')[2].split('$')[-1]}${type_token}"
    return "urn:pulumi:" + "::".join(
        (
            spec.get("stack") or stack,
            spec.get("project") or project,
            type_token,
            spec.get("name") or resource["name"],
        )
    )


def _urn_stack_project(urn: str) -> tuple[str, str]:
    parts = urn.split("::")
    return parts[0].removeprefix("urn:pulumi:"), parts[1]


class _Ancestry:
    """Parent links of one render, to name a resource's component and server."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self.by_urn = {r["urn"]: r for r in resources}
        self._children: dict[str, list[Resource]] = {}
        for resource in self.by_urn.values():
            if resource.get("parent"):
                self._children.setdefault(resource["parent"], []).append(resource)

    def ancestors(self, resource: Resource) -> Iterator[Resource]:
        parent = resource.get("parent")
        while parent and parent in self.by_urn:
            current = self.by_urn[parent]
            yield current
            parent = current.get("parent")

    def component(self, resource: Resource) -> str:
        for ancestor in self.ancestors(resource):
            if not ancestor.get("custom"):
                return f"{_short_type(ancestor['type'])} {ancestor['name']}"
        return "stack"

    def server(self, resource: Resource) -> str:
        for candidate in (resource, *self.ancestors(resource)):
            label = server_of(candidate)
            if label:
                return FLEET_WIDE if label == "fleet" else label
        if not resource.get("custom"):
            # A component carries no labels; it belongs to a server when all it holds does.
            servers = {self.server(child) for child in self.children(resource["urn"])}
            if len(servers) == 1:
                return servers.pop()
        return FLEET_WIDE

    def children(self, urn: str) -> list[Resource]:
        return self._children.get(urn, [])


def _short_type(type_token: str) -> str:
    return type_token.rsplit(":", 1)[-1]


def _whole(
    resource: Resource, kind: ChangeKind, index: _Ancestry, note: str | None
) -> ResourceChange:
    return ResourceChange(
        urn=resource["urn"],
        type=resource["type"],
        name=resource["name"],
        kind=kind,
        component=index.component(resource),
        server=index.server(resource),
        note=note,
        before=resource if kind is ChangeKind.DELETED else None,
        after=resource if kind is ChangeKind.ADDED else None,
    )


# -- comparing one resource ----------------------------------------------------------------


def _compare(before: Resource, after: Resource, index: _Ancestry) -> ResourceChange | None:
    ignore = tuple(after.get("options", {}).get("ignoreChanges") or ())
    replace_on = tuple(after.get("options", {}).get("replaceOnChanges") or ())
    properties: list[PropertyChange] = []
    if after.get("custom"):
        for change in property_changes(before.get("inputs") or {}, after.get("inputs") or {}):
            rule = replacement_rules.replacement_rule(after["type"], change.path, replace_on)
            ignored = any(replacement_rules.covers(path, change.path) for path in ignore)
            properties.append(
                PropertyChange(
                    change.path,
                    change.kind,
                    change.before,
                    change.after,
                    change.secret,
                    change.note,
                    replaces=rule,
                    ignored=ignored and rule is None,
                )
            )
    properties.extend(_option_changes(before, after))
    if not properties or all(p.ignored for p in properties):
        return None
    replaced = any(p.replaces is not None and not p.ignored for p in properties)
    return ResourceChange(
        urn=after["urn"],
        type=after["type"],
        name=after["name"],
        kind=ChangeKind.REPLACED if replaced else ChangeKind.CHANGED,
        component=index.component(after),
        server=index.server(after),
        properties=tuple(properties),
        note=f"aliased from {before['urn']}" if before["urn"] != after["urn"] else None,
        base_urn=before["urn"] if before["urn"] != after["urn"] else None,
        before=before,
        after=after,
    )


OPTIONS_COMPARED = ("protect", "retainOnDelete", "deleteBeforeReplace")


def _option_changes(before: Resource, after: Resource) -> list[PropertyChange]:
    changes = []
    for option in OPTIONS_COMPARED:
        old = bool(before.get("options", {}).get(option))
        new = bool(after.get("options", {}).get(option))
        if old != new:
            changes.append(
                PropertyChange(f"(option) {option}", PropertyChangeKind.MODIFIED, old, new)
            )
    return changes
