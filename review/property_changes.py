"""Property-level differences between two cleaned input trees, secrets never expanded.

Lists of objects are compared item by item, keyed by ``name`` or ``id`` where the items carry
one (containers, env vars, lifecycle rules), so reordering is not a change and a report can
say which container changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from review import replacement_rules

SECRET = "[secret]"
SECRET_NOT_SHOWN = "secret value (not shown)"


class PropertyChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"


@dataclass(frozen=True)
class PropertyChange:
    """One input path that differs. ``before``/``after`` never hold a secret's value."""

    path: str
    kind: PropertyChangeKind
    before: Any = None
    after: Any = None
    secret: bool = False
    """A secret is involved: the values are hidden; ``note`` says what is known."""
    note: str | None = None
    replaces: replacement_rules.ReplacementRule | None = None
    ignored: bool = False
    """Covered by the resource's ignoreChanges option: Pulumi will not apply it."""


_ABSENT = object()
LIST_ITEM_KEYS = ("name", "id")
"""Keys that identify a list item (containers and env vars by name, lifecycle rules by id)."""


def property_changes(before: Any, after: Any, path: str = "") -> list[PropertyChange]:
    """Leaf-level differences between two cleaned input trees, secrets never expanded."""
    if before == after:
        return []
    if _is_secret(before) or _is_secret(after):
        return [_secret_change(path, before, after)]
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[PropertyChange] = []
        for key in sorted(set(before) | set(after)):
            child = f"{path}.{key}" if path else str(key)
            changes.extend(
                property_changes(before.get(key, _ABSENT), after.get(key, _ABSENT), child)
            )
        return changes
    if _keyed_list(before) is not None and _keyed_list(after) is not None:
        old, new = _keyed_list(before) or {}, _keyed_list(after) or {}
        changes = []
        for key in list(old) + [k for k in new if k not in old]:
            changes.extend(
                property_changes(old.get(key, _ABSENT), new.get(key, _ABSENT), f"{path}[{key}]")
            )
        return changes
    if before is _ABSENT:
        return [PropertyChange(path, PropertyChangeKind.ADDED, after=after)]
    if after is _ABSENT:
        return [PropertyChange(path, PropertyChangeKind.REMOVED, before=before)]
    return [PropertyChange(path, PropertyChangeKind.MODIFIED, before, after)]


def _keyed_list(value: Any) -> dict[str, Any] | None:
    """A list of objects keyed by ``name`` or ``id`` (or by position), to diff item by item."""
    if value is _ABSENT or not isinstance(value, list) or not value:
        return None
    if not all(isinstance(item, dict) for item in value):
        return None
    for key in LIST_ITEM_KEYS:
        names = [item.get(key) for item in value]
        if all(isinstance(n, str) for n in names) and len(set(names)) == len(names):
            return {str(n): item for n, item in zip(names, value, strict=True)}
    return {str(i): item for i, item in enumerate(value)}


def _is_secret(value: Any) -> bool:
    return value == SECRET


def _secret_change(path: str, before: Any, after: Any) -> PropertyChange:
    if before is _ABSENT:
        return PropertyChange(
            path, PropertyChangeKind.ADDED, secret=True, note=f"{SECRET_NOT_SHOWN}: added"
        )
    if after is _ABSENT:
        return PropertyChange(
            path, PropertyChangeKind.REMOVED, secret=True, note=f"{SECRET_NOT_SHOWN}: removed"
        )
    note = (
        f"{SECRET_NOT_SHOWN}: now secret"
        if _is_secret(after)
        else f"{SECRET_NOT_SHOWN}: no longer secret"
    )
    return PropertyChange(path, PropertyChangeKind.MODIFIED, secret=True, note=note)


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a cleaned input tree as (path, value), lists keyed as in the diff."""
    if isinstance(value, dict):
        for key in sorted(value):
            yield from leaves(value[key], f"{path}.{key}" if path else str(key))
    elif (keyed := _keyed_list(value)) is not None:
        for key, item in keyed.items():
            yield from leaves(item, f"{path}[{key}]")
    else:
        yield path, value


def short_value(value: Any, limit: int = 80) -> str:
    """A value as one line of JSON, cut to ``limit`` characters, for reports."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(change: PropertyChange, limit: int = 80) -> str:
    """``before → after`` for a report line; a secret only ever as its note."""
    if change.secret:
        return change.note or SECRET_NOT_SHOWN
    if change.kind is PropertyChangeKind.ADDED:
        return f"+ {short_value(change.after, limit)}"
    if change.kind is PropertyChangeKind.REMOVED:
        return f"- {short_value(change.before, limit)}"
    return f"{short_value(change.before, limit)} → {short_value(change.after, limit)}"
