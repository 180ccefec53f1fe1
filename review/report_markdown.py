"""The review as one pull request comment: what must not be missed first, details folded.

The comment starts with a hidden marker (``<!-- mcp-fleet-review -->``) by which the
workflow finds and edits its own comment instead of adding another, and each stack's
section with its own (``<!-- mcp-fleet-review:prod -->``) so a later run, or a person, can
find that stack. GitHub refuses a comment body over 65,536 characters; when the review is
longer, folded details go first (each replaced by a line saying what was left out), and the
summary, the call-outs and the policy changes stay.

The output is deterministic (no clock, stable order), so it can be compared to a snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from review.changes_model import (
    CalloutEntry,
    PolicyFindingEntry,
    ResourceChangeEntry,
    StackChanges,
)
from review.gateway_section import gateway_markdown
from review.model import Review
from review.property_changes import SECRET_NOT_SHOWN, short_value
from review.rollout_plans import release_plans
from review.rollout_plans_markdown import rollout_plans_block

COMMENT_MARKER = "<!-- mcp-fleet-review -->"
GITHUB_COMMENT_LIMIT = 65_536
"""GitHub's maximum issue/pull request comment body, in characters."""

CHANGE_SYMBOLS = {"added": "🆕", "deleted": "🗑️", "replaced": "♻️", "changed": "✏️"}
CALLOUT_TITLES = {
    "data-loss": "🛑 **Data loss**",
    "protected-resource": "🛡️ **Protected resource**",
    "security-weakened": "🔓 **Security weakened**",
    "slo-loosened": "📉 **SLO loosened**",
    "alarm-loosened": "🔕 **Alarm loosened**",
    "provider-changed": "⚙️ **Provider changed**",
    "tenant-boundary": "🏷️ **Tenant boundary or limits**",
}


def stack_marker(stack: str) -> str:
    return f"<!-- mcp-fleet-review:{stack} -->"


@dataclass(frozen=True)
class StackSection:
    review: Review
    changes: StackChanges | None = None
    """The comparison with the base revision; None when the review ran without ``--base``."""
    diagram: str | None = None
    """Mermaid flowchart source from review.mermaid."""


def cell(text: Any) -> str:
    """Text safe in a table cell: no pipes, newlines or raw HTML."""
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def code(text: Any) -> str:
    """An inline code span that survives backticks in the text."""
    value = str(text).replace("\n", " ").replace("|", "\\|")
    fence = "``" if "`" in value else "`"
    return f"{fence} {value} {fence}" if fence == "``" else f"`{value}`"


def comment_length(text: str) -> int:
    """Length as GitHub counts it (UTF-16 code units: an emoji can count twice)."""
    return len(text.encode("utf-16-le")) // 2


# -- one stack -----------------------------------------------------------------------------


@dataclass
class _Block:
    """A part of a stack section; ``detail`` blocks may be left out to fit the limit."""

    text: str
    detail: str | None = None
    """What the block holds, named in the note that replaces it when it is trimmed."""
    priority: int = 0
    """Higher is trimmed first."""


def _counts_line(changes: StackChanges) -> str:
    if changes.base_missing:
        return f"{changes.base_missing[:1].upper()}{changes.base_missing[1:]}: everything it declares is new."
    counts = changes.counts
    parts = [
        f"**{counts.get(kind, 0)}** to {verb}"
        for kind, verb in (
            ("added", "add"),
            ("deleted", "delete"),
            ("replaced", "replace"),
            ("changed", "change"),
        )
        if counts.get(kind, 0)
    ]
    if not parts:
        return f"No resource changes against {code(changes.base)} ({changes.unchanged} unchanged)."
    return " · ".join(parts) + f" · {changes.unchanged} unchanged (against {code(changes.base)})."


def _callout_line(callout: CalloutEntry) -> str:
    title = CALLOUT_TITLES.get(callout.kind, f"**{callout.kind}**")
    return f"- {title}: {cell(callout.message)}"


def _finding_line(finding: PolicyFindingEntry, symbol: str) -> str:
    resource = finding.urn.rsplit("::", 1)[-1] if finding.urn else "the stack"
    return (
        f"- {symbol} {code(finding.policy)} ({finding.enforcement}) on {code(resource)}: "
        f"{cell(finding.message)}"
    )


def _must_not_miss(changes: StackChanges | None) -> list[str]:
    """Call-outs, then policy results that changed: new violations (blocking first), fixed."""
    lines = [_callout_line(c) for c in (changes.callouts if changes else [])]
    policy = changes.policy if changes else None
    if policy is not None:
        new = sorted(policy.new, key=lambda f: not _blocking(f))
        lines += [
            _finding_line(f, "❌ **New violation**" if _blocking(f) else "⚠️ **New advisory**")
            for f in new
        ]
        lines += [_finding_line(f, "✅ **Fixed**") for f in policy.fixed]
    return lines


def _blocking(finding: PolicyFindingEntry) -> bool:
    return finding.enforcement in ("mandatory", "remediate")


def _policy_block(section: StackSection) -> str:
    review, changes = section.review, section.changes
    if review.policy_run is None:
        return "**Policy:** not checked in this run."
    blocking = review.mandatory_violations
    advisory = len(review.policy) - len(blocking)
    lines = [
        f"**Policy** ({cell(review.policy_run.pack)} {cell(review.policy_run.version)}): "
        f"{'❌' if blocking else '✅'} {len(blocking)} mandatory, {advisory} advisory."
    ]
    policy = changes.policy if changes else None
    if policy is not None:
        lines.append(
            f"{len(policy.new)} new, {len(policy.fixed)} fixed, {policy.unchanged} unchanged "
            "against the base revision."
            + (
                ""
                if policy.base_checked
                else " (No policy results at base: it has no pack that judges this stack.)"
            )
        )
    else:
        lines += [
            _finding_line(
                PolicyFindingEntry(
                    policy=r.policy, enforcement=r.enforcement, urn=r.urn, message=r.message
                ),
                "❌",
            )
            for r in blocking
        ]
    return "\n".join(lines)


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{cell(summary)}</summary>\n\n{body}\n\n</details>"


def _property_rows(change: ResourceChangeEntry) -> list[str]:
    symbol = CHANGE_SYMBOLS.get(change.change, change.change)
    name = f"{code(change.name)}"
    kind = cell(change.type.rsplit(":", 1)[-1])
    if not change.properties:
        note = cell(change.note) if change.note else ""
        return [f"| {symbol} | {name} | {kind} | | {note} |"]
    rows = []
    for prop in change.properties:
        if prop.secret:
            value = cell(prop.note or SECRET_NOT_SHOWN)
        elif prop.change == "added":
            value = f"+ {code(short_value(prop.after, 60))}"
        elif prop.change == "removed":
            value = f"- {code(short_value(prop.before, 60))}"
        else:
            value = f"{code(short_value(prop.before, 60))} → {code(short_value(prop.after, 60))}"
        if prop.replaces:
            value += " **(forces replacement)**"
        if prop.ignored:
            value += " _(ignored: ignoreChanges)_"
        rows.append(f"| {symbol} | {name} | {kind} | {code(prop.path)} | {value} |")
        symbol, name, kind = "", "", ""
    return rows


def _changes_table(changes: StackChanges) -> str:
    groups: dict[tuple[str, str], list[ResourceChangeEntry]] = {}
    for change in changes.changes:
        groups.setdefault((change.server, change.component), []).append(change)
    parts = []
    for (server, component), entries in groups.items():
        rows = [row for entry in entries for row in _property_rows(entry)]
        parts.append(
            f"**{cell(server)}** · {cell(component)}\n\n"
            "| | Resource | Type | Property | Change |\n|---|---|---|---|---|\n" + "\n".join(rows)
        )
    notes = [
        f"- {code(c.name)}: {cell(c.note)}" for c in changes.changes if c.note and c.properties
    ]
    return "\n\n".join(parts + (["\n".join(notes)] if notes else []))


def _servers_table(review: Review) -> str:
    rows = [
        f"| {code(s.name)} | {cell(s.tenant)} | {cell(s.namespace or '')} | {cell(s.hostname)} "
        f"| {s.replicas.min}-{s.replicas.max} | {s.slo.tool_success_rate:g}% "
        f"| {s.slo.p95_latency_ms} ms | {len(s.alarms)} |"
        for s in sorted(review.servers, key=lambda s: s.name)
    ]
    return (
        "| Server | Tenant | Namespace | Host | Replicas | Success SLO | p95 SLO | Alarms |\n"
        "|---|---|---|---|--:|--:|--:|--:|\n" + "\n".join(rows)
    )


def _policy_table(review: Review) -> str:
    rows = [
        f"| {cell(r.enforcement)} | {code(r.policy)} | {code(r.urn.rsplit('::', 1)[-1])} "
        f"| {cell(r.message)} |"
        for r in sorted(review.policy, key=lambda r: (not r.blocking, r.policy, r.urn, r.message))
    ]
    return "| Enforcement | Policy | Resource | Message |\n|---|---|---|---|\n" + "\n".join(rows)


def _stack_blocks(section: StackSection) -> list[_Block]:
    review, changes = section.review, section.changes
    stack = review.stack
    blocks = [_Block(f"{stack_marker(stack)}\n### Stack `{stack}`")]
    if changes is not None:
        blocks.append(_Block(_counts_line(changes)))
    else:
        blocks.append(
            _Block(
                f"{review.summary.total} resources, {len(review.servers)} servers (no base to compare)."
            )
        )
    must = _must_not_miss(changes)
    if must:
        blocks.append(_Block("#### Must not miss\n\n" + "\n".join(must)))
    blocks.append(_Block(_policy_block(section)))
    plans = rollout_plans_block(release_plans([r.model_dump() for r in review.resources], changes))
    if plans:
        blocks.append(_Block(plans))
    if section.diagram:
        blocks.append(
            _Block(
                _details(f"What {stack} runs", f"```mermaid\n{section.diagram}\n```"),
                "the diagram",
                1,
            )
        )
    if changes is not None and changes.changes:
        blocks.append(
            _Block(
                _details(
                    f"Changes in detail ({len(changes.changes)} resources)", _changes_table(changes)
                ),
                f"the details of {len(changes.changes)} changed resources",
                2,
            )
        )
    if review.servers:
        blocks.append(
            _Block(
                _details(f"Servers ({len(review.servers)})", _servers_table(review)),
                "the server table",
                3,
            )
        )
    if review.gateway is not None:
        routes = len(review.gateway.routes)
        body = gateway_markdown(review.gateway, cell, code)
        blocks.append(_Block(_details(f"Gateway ({routes} routes)", body), "the gateway table", 3))
    if review.policy:
        blocks.append(
            _Block(
                _details(f"All policy results ({len(review.policy)})", _policy_table(review)),
                f"the list of all {len(review.policy)} policy results",
                4,
            )
        )
    return blocks


# -- the comment ---------------------------------------------------------------------------


def _summary_table(sections: Sequence[StackSection]) -> str:
    rows = []
    for section in sections:
        review, changes = section.review, section.changes
        counts = changes.counts if changes else {}
        policy = changes.policy if changes else None
        blocking = len(review.mandatory_violations)
        callouts = len(_must_not_miss(changes))
        rows.append(
            f"| `{review.stack}` | "
            + " | ".join(
                str(counts.get(kind, "-") if changes else "-")
                for kind in ("added", "deleted", "replaced", "changed")
            )
            + f" | {('⚠️ ' if callouts else '') + str(callouts)}"
            + f" | {len(policy.new) if policy else '-'} | {len(policy.fixed) if policy else '-'}"
            + f" | {('❌ ' if blocking else '✅ ') + str(blocking)} |"
        )
    return (
        "| Stack | Add | Delete | Replace | Change | Must not miss | New violations | Fixed "
        "| Mandatory open |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n" + "\n".join(rows)
    )


def _header(sections: Sequence[StackSection]) -> str:
    bases = sorted({s.changes.base for s in sections if s.changes is not None})
    against = f" against {', '.join(code(b) for b in bases)}" if bases else ""
    return (
        f"{COMMENT_MARKER}\n## MCP fleet stack review\n\n"
        f"Offline review{against}: each stack rendered under Pulumi's mock runtime and judged by "
        "the policy pack through its analyzer protocol. `pulumi preview` with credentials "
        "remains the authority on what a deployment does.\n\n" + _summary_table(sections)
    )


def _trim_note(detail: str, stack: str) -> str:
    return (
        f"_Left out to fit GitHub's {GITHUB_COMMENT_LIMIT:,}-character comment limit: {detail}. "
        f"Run `make review STACK={stack}` for the full review._"
    )


def render_markdown(sections: Sequence[StackSection], limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """The whole comment, at most ``limit`` characters as GitHub counts them."""
    header = _header(sections)
    stacks = [(s.review.stack, _stack_blocks(s)) for s in sections]

    def assemble() -> str:
        parts = [header] + ["\n\n".join(b.text for b in blocks) for _, blocks in stacks]
        return "\n\n".join(parts) + "\n"

    text = assemble()
    if comment_length(text) <= limit:
        return text
    # Folded details go first: the least important kind (highest priority) in every stack,
    # from the last stack up, then the next kind.
    order = sorted(
        (
            (block.priority, si, bi)
            for si, (_, blocks) in enumerate(stacks)
            for bi, block in enumerate(blocks)
            if block.detail
        ),
        key=lambda item: (-item[0], -item[1], item[2]),
    )
    for _, si, bi in order:
        stack, blocks = stacks[si]
        blocks[bi] = _Block(_trim_note(blocks[bi].detail or "details", stack))
        text = assemble()
        if comment_length(text) <= limit:
            return text
    return _hard_cut(text, limit)


def _hard_cut(text: str, limit: int) -> str:
    """The last resort when even the summaries are too long: cut, and say so."""
    note = (
        f"\n\n_The review is cut here to fit GitHub's {GITHUB_COMMENT_LIMIT:,}-character "
        "comment limit; run `make review-all` for all of it._\n"
    )
    budget = limit - comment_length(note)
    kept = text
    while comment_length(kept) > budget:
        kept = kept[: max(0, len(kept) - (comment_length(kept) - budget) - 1)]
    cut = kept.rfind("\n")
    return (kept[:cut] if cut > 0 else kept) + note
