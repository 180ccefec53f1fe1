"""The report model's view of a comparison with a base revision: ``Review.changes``.

Field names are the JSON's. The models hold only what review.diff already cleaned: a
secret's value is never present, only the note that a secret changed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from review.callouts import Callout
from review.compare import StackComparison
from review.diff import ResourceChange
from review.policy_diff import PolicyDiff, PolicyFinding
from review.property_changes import PropertyChange


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PropertyChangeEntry(_Frozen):
    path: str
    """Engine input path, camelCase, list items by name or index: ``spec.minReplicas``."""
    change: str
    """added, removed or modified."""
    before: Any = None
    after: Any = None
    secret: bool = False
    """A secret is involved: before/after are null and ``note`` says what is known."""
    note: str | None = None
    replaces: str | None = None
    """The provider rule by which this change replaces the resource, when one is known."""
    ignored: bool = False
    """Covered by the resource's ignoreChanges option: Pulumi will not apply it."""


class ResourceChangeEntry(_Frozen):
    urn: str
    type: str
    name: str
    change: str
    """added, deleted, replaced or changed ("changed": no known rule forces a replacement)."""
    component: str
    server: str
    """The MCP server the resource belongs to, or ``fleet-wide``."""
    properties: list[PropertyChangeEntry] = []
    note: str | None = None


class CalloutEntry(_Frozen):
    kind: str
    """data-loss, protected-resource, security-weakened, slo-loosened, alarm-loosened or
    provider-changed."""
    message: str
    server: str
    urn: str | None = None


class PolicyFindingEntry(_Frozen):
    policy: str
    enforcement: str
    urn: str
    message: str


class PolicyChanges(_Frozen):
    new: list[PolicyFindingEntry]
    """Violations the change introduces."""
    fixed: list[PolicyFindingEntry]
    """Violations at base that the change resolves."""
    unchanged: int
    base_checked: bool
    """False when the base revision had no policy pack: every result counts as new."""


class StackChanges(_Frozen):
    base: str
    """The base revision as given (``--base``)."""
    base_missing: str | None = None
    """Why nothing was rendered at base, e.g. "stack is new at base"."""
    counts: dict[str, int]
    unchanged: int
    callouts: list[CalloutEntry]
    changes: list[ResourceChangeEntry]
    policy: PolicyChanges | None = None


def _property(change: PropertyChange) -> PropertyChangeEntry:
    return PropertyChangeEntry(
        path=change.path,
        change=change.kind.value,
        before=None if change.secret else change.before,
        after=None if change.secret else change.after,
        secret=change.secret,
        note=change.note,
        replaces=change.replaces.source if change.replaces else None,
        ignored=change.ignored,
    )


def _resource(change: ResourceChange) -> ResourceChangeEntry:
    return ResourceChangeEntry(
        urn=change.urn,
        type=change.type,
        name=change.name,
        change=change.kind.value,
        component=change.component,
        server=change.server,
        properties=[_property(p) for p in change.properties],
        note=change.note,
    )


def _callout(callout: Callout) -> CalloutEntry:
    return CalloutEntry(
        kind=callout.kind.value, message=callout.message, server=callout.server, urn=callout.urn
    )


def _finding(finding: PolicyFinding) -> PolicyFindingEntry:
    return PolicyFindingEntry(
        policy=finding.policy,
        enforcement=finding.enforcement,
        urn=finding.urn,
        message=finding.message,
    )


def _policy(diff: PolicyDiff) -> PolicyChanges:
    return PolicyChanges(
        new=[_finding(f) for f in diff.new],
        fixed=[_finding(f) for f in diff.fixed],
        unchanged=len(diff.still),
        base_checked=diff.base_available,
    )


def stack_changes(comparison: StackComparison) -> StackChanges:
    diff = comparison.diff
    return StackChanges(
        base=diff.base_ref,
        base_missing=diff.base_missing,
        counts={kind.value: count for kind, count in diff.counts().items()},
        unchanged=diff.unchanged,
        callouts=[_callout(c) for c in comparison.callouts],
        changes=[_resource(c) for c in diff.changes],
        policy=_policy(comparison.policy) if comparison.policy is not None else None,
    )
