"""The changes a reviewer must not miss, found in a stack diff and listed before the rest.

Each rule reads the compared records (never the code), so it holds whatever component
produced the resource: data that a deletion or replacement destroys, protection taken away,
a security setting made weaker, an SLO or an alarm made more lenient, paging removed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from policy import resource_types as types
from review.diff import FLEET_WIDE, SAME_OBJECT_NOTE, ChangeKind, ResourceChange, StackDiff
from review.property_changes import leaves, short_value
from review.records import identity_of
from review.tenant_callouts import tenant_limit_changes
from review.tenant_identity import tenant_identity_changes
from review.weaker_settings import (
    ALARM_TYPES,
    RETENTION_SETTINGS,
    SAFE_SETTINGS,
    SECURITY_CONTROL_TYPES,
    SLO_LABELS,
    STATEFUL_TYPES,
    UNSET_MEANS,
)


class CalloutKind(StrEnum):
    DATA_LOSS = "data-loss"
    PROTECTION = "protected-resource"
    SECURITY = "security-weakened"
    SLO = "slo-loosened"
    ALARM = "alarm-loosened"
    PROVIDER = "provider-changed"
    TENANT = "tenant-boundary"


CALLOUT_ORDER = list(CalloutKind)


@dataclass(frozen=True)
class Callout:
    kind: CalloutKind
    message: str
    urn: str | None = None
    server: str = FLEET_WIDE

    @property
    def order(self) -> tuple[int, str, str]:
        return (CALLOUT_ORDER.index(self.kind), self.server, self.message)


def callouts(diff: StackDiff) -> list[Callout]:
    deleted = {c.urn for c in diff.changes if c.kind is ChangeKind.DELETED}
    found: list[Callout] = []
    for change in diff.changes:
        parent = (change.before or {}).get("parent")
        if change.kind is ChangeKind.DELETED and parent in deleted:
            # Removed with its whole component (a server or a bucket taken out): the
            # component's own deletion is the news, not each of its guards going with it.
            found.extend(_data_loss(change))
            continue
        for rule in RULES:
            found.extend(rule(change))
    unique = {(c.kind, c.message): c for c in found}
    return sorted(unique.values(), key=lambda c: c.order)


def _label(change: ResourceChange) -> str:
    return f"`{change.name}` ({change.type.rsplit(':', 1)[-1]})"


def _where(change: ResourceChange) -> str:
    return "" if change.server == FLEET_WIDE else f" of server {change.server}"


def _data_loss(change: ResourceChange) -> Iterator[Callout]:
    if change.kind is ChangeKind.ADDED and change.note and SAME_OBJECT_NOTE in change.note:
        yield Callout(
            CalloutKind.DATA_LOSS,
            f"{_label(change)}{_where(change)}: {change.note.removeprefix('; ')}",
            change.urn,
            change.server,
        )
    if change.kind not in (ChangeKind.DELETED, ChangeKind.REPLACED):
        return
    consequence = STATEFUL_TYPES.get(change.type)
    if consequence is None:
        return
    verb = "DELETED" if change.kind is ChangeKind.DELETED else "REPLACED"
    why = ""
    if change.kind is ChangeKind.REPLACED and change.replacement_reasons:
        why = f" because {', '.join(change.replacement_reasons)} changed"
    elif change.note:
        why = f" ({change.note})"
    yield Callout(
        CalloutKind.DATA_LOSS,
        f"{_label(change)}{_where(change)} will be {verb}{why}: {consequence}",
        change.urn,
        change.server,
    )


PROTECTION_EFFECTS = {
    "protect": "Pulumi refuses to {verb} a protected resource: the update fails until "
    "someone removes the protection on purpose",
    "retainOnDelete": "retainOnDelete leaves the old one in the account, no longer managed",
}


def _protection(change: ResourceChange) -> Iterator[Callout]:
    before = (change.before or {}).get("options") or {}
    after = (change.after or {}).get("options") or {}
    for option, effect in PROTECTION_EFFECTS.items():
        if not before.get(option):
            continue
        if change.kind in (ChangeKind.DELETED, ChangeKind.REPLACED):
            verb = "delete" if change.kind is ChangeKind.DELETED else "replace"
            yield Callout(
                CalloutKind.PROTECTION,
                f"{_label(change)}{_where(change)} will be {change.kind.value}: "
                + effect.format(verb=verb),
                change.urn,
                change.server,
            )
        elif change.kind is ChangeKind.CHANGED and not after.get(option):
            yield Callout(
                CalloutKind.PROTECTION,
                f"{_label(change)}{_where(change)} loses its `{option}` option",
                change.urn,
                change.server,
            )


def _inputs(record: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict((record or {}).get("inputs") or {})


def _security(change: ResourceChange) -> Iterator[Callout]:
    if change.kind is ChangeKind.DELETED and change.type in SECURITY_CONTROL_TYPES:
        yield Callout(
            CalloutKind.SECURITY,
            f"{SECURITY_CONTROL_TYPES[change.type]} {_label(change)}{_where(change)} is removed",
            change.urn,
            change.server,
        )
        return
    if change.kind not in (ChangeKind.CHANGED, ChangeKind.REPLACED):
        return
    before = dict(leaves(_inputs(change.before)))
    after = dict(leaves(_inputs(change.after)))
    for path in sorted(set(before) | set(after)):
        setting = path.rsplit(".", 1)[-1]
        if setting in SAFE_SETTINGS:
            safe, default = SAFE_SETTINGS[setting], UNSET_MEANS.get(setting)
            old, new = before.get(path, default), after.get(path, default)
            if old == safe and new != safe:
                yield _weakened(change, path, old, after.get(path))
    yield from _weaker_values(change, before, after)
    yield from _weaker_policy_document(change)


def _weakened(change: ResourceChange, path: str, old: Any, new: Any) -> Callout:
    shown = "unset" if new is None else short_value(new)
    return Callout(
        CalloutKind.SECURITY,
        f"{_label(change)}{_where(change)}: `{path}` weakened from {short_value(old)} to {shown}",
        change.urn,
        change.server,
    )


WEAKER_VALUES: tuple[tuple[str, Callable[[str, Any, Any], bool]], ...] = (
    # (setting or path suffix, is the move from old to new a weakening?)
    ("sseAlgorithm", lambda _, old, new: str(old).startswith("aws:kms") and new != old),
    ("status", lambda path, old, _: "versioning" in path.lower() and old == "Enabled"),
    ("mode", lambda _, old, __: old == "COMPLIANCE"),
    ("pod-security.kubernetes.io/enforce", lambda _, old, __: old == "restricted"),
    ("protocol", lambda _, old, new: old == "HTTPS" and new == "HTTP"),
    ("sslPolicy", lambda _, old, new: "TLS13" in str(old) and "TLS13" not in str(new)),
    ("cidr", lambda _, old, new: _opens_to_world(old, new)),
    ("cidrBlocks", lambda _, old, new: _opens_to_world(old, new)),
    ("cidrIpv4", lambda _, old, new: _opens_to_world(old, new)),
)


def _opens_to_world(old: Any, new: Any) -> bool:
    return "0.0.0.0/0" in json.dumps(new) and "0.0.0.0/0" not in json.dumps(old)


def _weaker_values(
    change: ResourceChange, before: dict[str, Any], after: dict[str, Any]
) -> Iterator[Callout]:
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        setting = path.rsplit(".", 1)[-1]
        if any(
            path.endswith(suffix) and weaker(path, old, new)
            for suffix, weaker in WEAKER_VALUES
            if setting == suffix or path.endswith("." + suffix)
        ):
            yield _weakened(change, path, old, new)
        elif (
            setting in RETENTION_SETTINGS
            and _is_number(old)
            and (new is None or (_is_number(new) and new < old))
        ):
            yield Callout(
                CalloutKind.SECURITY,
                f"{_label(change)}{_where(change)}: retention `{path}` shortened from "
                f"{old} to {'unset' if new is None else new}",
                change.urn,
                change.server,
            )


def _weaker_policy_document(change: ResourceChange) -> Iterator[Callout]:
    """Fewer Deny statements in a bucket or key policy: a guard rail was taken down."""
    old = _deny_statements(_inputs(change.before).get("policy"))
    new = _deny_statements(_inputs(change.after).get("policy"))
    for sid in sorted(old - new):
        yield Callout(
            CalloutKind.SECURITY,
            f"{_label(change)}{_where(change)}: policy no longer has the Deny statement {sid}",
            change.urn,
            change.server,
        )


def _deny_statements(policy: Any) -> set[str]:
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except json.JSONDecodeError:
            return set()
    if not isinstance(policy, dict):
        return set()
    statements = policy.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    return {
        str(s.get("Sid") or json.dumps(s.get("Condition"), sort_keys=True))
        for s in statements
        if isinstance(s, dict) and s.get("Effect") == "Deny"
    }


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _slo(change: ResourceChange) -> Iterator[Callout]:
    if change.kind not in (ChangeKind.CHANGED, ChangeKind.REPLACED):
        return
    old_labels = identity_of(change.before)
    new_labels = identity_of(change.after)
    for label, (what, loosening) in SLO_LABELS.items():
        old, new = _number(old_labels.get(label)), _number(new_labels.get(label))
        if old is None or new is None or old == new:
            continue
        if (new - old) * loosening > 0:
            yield Callout(
                CalloutKind.SLO,
                f"{change.server}: {what} loosened from {old:g} to {new:g}",
                None,
                change.server,
            )


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


LOOSER_WHEN_HIGHER = ("GreaterThan", "LessThanLowerOrGreaterThanUpper")


def _alarm(change: ResourceChange) -> Iterator[Callout]:
    if change.type not in ALARM_TYPES:
        return
    if change.kind is ChangeKind.DELETED:
        yield Callout(
            CalloutKind.ALARM,
            f"alarm {_label(change)}{_where(change)} is removed",
            change.urn,
            change.server,
        )
        return
    if change.kind not in (ChangeKind.CHANGED, ChangeKind.REPLACED):
        return
    old, new = _inputs(change.before), _inputs(change.after)
    loosened: list[str] = []
    operator = str(new.get("comparisonOperator") or old.get("comparisonOperator") or "")
    t_old, t_new = _number(old.get("threshold")), _number(new.get("threshold"))
    if t_old is not None and t_new is not None and t_old != t_new:
        higher_is_looser = operator.startswith(LOOSER_WHEN_HIGHER)
        if (t_new > t_old) == higher_is_looser:
            loosened.append(f"threshold {t_old:g} → {t_new:g} ({operator})")
    for setting in ("evaluationPeriods", "datapointsToAlarm", "period"):
        a, b = _number(old.get(setting)), _number(new.get(setting))
        if a is not None and b is not None and b > a:
            loosened.append(f"{setting} {a:g} → {b:g}")
    if old.get("treatMissingData") == "breaching" and new.get("treatMissingData") != "breaching":
        loosened.append(f"treatMissingData breaching → {new.get('treatMissingData') or 'missing'}")
    if old.get("actionsEnabled") is not False and new.get("actionsEnabled") is False:
        loosened.append("actions disabled")
    dropped = len(old.get("alarmActions") or []) - len(new.get("alarmActions") or [])
    if dropped > 0 and not new.get("alarmActions"):
        loosened.append("no longer notifies anyone")
    elif dropped > 0:
        loosened.append(f"notifies {dropped} fewer target(s)")
    if loosened:
        yield Callout(
            CalloutKind.ALARM,
            f"alarm {_label(change)}{_where(change)} loosened: {'; '.join(loosened)}",
            change.urn,
            change.server,
        )


def _paging(change: ResourceChange) -> Iterator[Callout]:
    if change.type == types.TOPIC_SUBSCRIPTION and change.kind is ChangeKind.DELETED:
        protocol = _inputs(change.before).get("protocol", "?")
        yield Callout(
            CalloutKind.ALARM,
            f"paging subscription {_label(change)} ({protocol}) is removed",
            change.urn,
            change.server,
        )


def _provider(change: ResourceChange) -> Iterator[Callout]:
    """A provider's own configuration changed: its plugin decides what happens to everything
    it manages (a new cluster identity replaces every object), which only a preview knows."""
    if change.type.startswith("pulumi:providers:") and change.kind in (
        ChangeKind.CHANGED,
        ChangeKind.REPLACED,
        ChangeKind.DELETED,
    ):
        paths = ", ".join(p.path for p in change.properties) or "its configuration"
        yield Callout(
            CalloutKind.PROVIDER,
            f"provider {_label(change)} is {change.kind.value} ({paths}): every resource it "
            "manages may be replaced; only `pulumi preview` can tell",
            change.urn,
            change.server,
        )


def _tenant(change: ResourceChange) -> Iterator[Callout]:
    """A tenant's limits and boundary, and whom the gateway trusts as that tenant."""
    for _, message in [*tenant_limit_changes(change), *tenant_identity_changes(change)]:
        yield Callout(CalloutKind.TENANT, message, change.urn, change.server)


RULES: tuple[Callable[[ResourceChange], Iterator[Callout]], ...] = (
    _data_loss,
    _protection,
    _security,
    _slo,
    _alarm,
    _paging,
    _provider,
    _tenant,
)
