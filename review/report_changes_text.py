"""The comparison with a base revision in the terminal: call-outs first, then each change.

Rich renderables, appended to the text report of the stack (review.report_text) when the
review ran with ``--base``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from review.changes_model import PropertyChangeEntry, ResourceChangeEntry, StackChanges
from review.property_changes import SECRET_NOT_SHOWN, short_value

CHANGE_STYLES = {"added": "green", "deleted": "red", "replaced": "magenta", "changed": "yellow"}
CALLOUT_LABELS = {
    "data-loss": "DATA LOSS",
    "protected-resource": "PROTECTED",
    "security-weakened": "SECURITY",
    "slo-loosened": "SLO",
    "alarm-loosened": "ALARM",
    "provider-changed": "PROVIDER",
    "tenant-boundary": "TENANT",
}


def _counts(changes: StackChanges) -> Text:
    if changes.base_missing:
        return Text(f"{changes.base_missing}: everything it declares is new.", style="bold")
    text = Text(f"Changes against {changes.base}: ", style="bold")
    for kind in ("added", "deleted", "replaced", "changed"):
        text.append(f"{changes.counts.get(kind, 0)} {kind}", style=CHANGE_STYLES[kind])
        text.append(", ")
    text.append(f"{changes.unchanged} unchanged")
    return text


def _must_not_miss(changes: StackChanges) -> Iterator[Text]:
    for callout in changes.callouts:
        line = Text(f"! {CALLOUT_LABELS.get(callout.kind, callout.kind)}: ", style="bold red")
        line.append(callout.message)
        yield line
    if changes.policy is None:
        return
    if not changes.policy.base_checked:
        yield Text("  (no policy results at base: every result counts as new)")
    for finding in changes.policy.new:
        blocking = finding.enforcement in ("mandatory", "remediate")
        line = Text(
            f"! NEW {finding.enforcement.upper()} VIOLATION: ",
            style="bold red" if blocking else "bold yellow",
        )
        line.append(f"{finding.policy} on {finding.urn.rsplit('::', 1)[-1]}: {finding.message}")
        yield line
    for finding in changes.policy.fixed:
        line = Text("+ FIXED: ", style="bold green")
        line.append(f"{finding.policy} on {finding.urn.rsplit('::', 1)[-1]}")
        yield line


def property_text(prop: PropertyChangeEntry) -> str:
    if prop.secret:
        value = prop.note or SECRET_NOT_SHOWN
    elif prop.change == "added":
        value = f"+ {short_value(prop.after)}"
    elif prop.change == "removed":
        value = f"- {short_value(prop.before)}"
    else:
        value = f"{short_value(prop.before)} -> {short_value(prop.after)}"
    if prop.replaces:
        value += "  [forces replacement]"
    if prop.ignored:
        value += "  (ignored: ignoreChanges)"
    return value


def _rows(change: ResourceChangeEntry) -> Iterator[tuple[str, str, str, str, str]]:
    kind = change.type.rsplit(":", 1)[-1]
    if not change.properties:
        yield (change.change, change.name, kind, "", change.note or "")
        return
    first = True
    for prop in change.properties:
        yield (
            change.change if first else "",
            change.name if first else "",
            kind if first else "",
            prop.path,
            property_text(prop),
        )
        first = False


def changes_tables(changes: StackChanges) -> Iterator[Table]:
    """One table per server and component, in the diff's order (fleet-wide first)."""
    groups: dict[tuple[str, str], list[ResourceChangeEntry]] = {}
    for change in changes.changes:
        groups.setdefault((change.server, change.component), []).append(change)
    for (server, component), entries in groups.items():
        table = Table(title=Text(f"{server} / {component}", style="bold"), title_justify="left")
        for column in ("Change", "Resource", "Type", "Property", "Before -> after"):
            table.add_column(column, overflow="fold")
        for change in entries:
            for row in _rows(change):
                # Text cells: a path like containers[backup] is not rich markup.
                table.add_row(
                    Text(row[0], style=CHANGE_STYLES.get(change.change, "")),
                    *(Text(cell) for cell in row[1:]),
                )
        yield table


def changes_renderables(changes: StackChanges) -> Iterable[RenderableType]:
    yield _counts(changes)
    yield from _must_not_miss(changes)
    yield from changes_tables(changes)
