"""The release's rollout plans as a block of the pull request comment.

One row per released server (steps, pauses, the gate's and the background check's limits,
the least duration), then what rolls a release back in this stack. A reviewer sees, before
merging an image change, how long it will take to reach every replica and what would stop it.
"""

from __future__ import annotations

from collections.abc import Sequence

from review.rollout_plans import UNITS, Check, ReleasePlan

RUNBOOK = "docs/runbooks/rollout.md"


def _digest(image: str) -> str:
    """``repo@sha256:0123456789ab…``: enough of the digest to tell two releases apart."""
    name, _, digest = image.partition("@sha256:")
    return f"{name.rsplit('/', 1)[-1]}@{digest[:12]}" if digest else image


def _limit(check: Check) -> str:
    limit = "?" if check.limit is None else f"{check.limit:g}"
    return f"{check.name} ≤ {limit}{UNITS.get(check.name, '')} over {check.lookback}"


def _steps(plan: ReleasePlan) -> str:
    return " → ".join(f"{step.weight} %" for step in plan.steps)


def _pauses(plan: ReleasePlan) -> str:
    shapes = sorted({step.pauses for step in plan.steps})
    if len(shapes) != 1:
        return "; ".join(
            f"{s.weight} %: {' + '.join(f'{p} s' for p in s.pauses)}" for s in plan.steps
        )
    names = ("drain", "watch")
    return ", ".join(
        f"{names[i] if i < len(names) else 'pause'} {seconds} s"
        for i, seconds in enumerate(shapes[0])
    )


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds / 60:.1f} min"


def _row(plan: ReleasePlan) -> str:
    gate = "<br>".join(_limit(c) for c in plan.gate) or "none"
    background = "<br>".join(
        f"{_limit(c)}, every {plan.background_interval}" for c in plan.background
    )
    return (
        f"| `{plan.server}` | `{_digest(plan.image_before)}` → `{_digest(plan.image_after)}` "
        f"| {_steps(plan)} | {_pauses(plan)} | {gate} | {background or 'none'} "
        f"| {_minutes(plan.least_seconds)} |"
    )


def _rollback(plans: Sequence[ReleasePlan]) -> str:
    dry = [p.server for p in plans if p.dry_run]
    enforcing = [p for p in plans if not p.dry_run]
    lines: list[str] = []
    if enforcing:
        deadlines = sorted(
            {p.progress_deadline_seconds for p in enforcing if p.progress_deadline_seconds}
        )
        notified = sorted({n for p in enforcing for n in p.notifies})
        lines.append(
            "**Rolls back** (every replica back on the stable version) when a gate check is over "
            "its limit after a step's watch, the background check is over its limit in any "
            "measurement"
            + (f", or a step makes no progress for {deadlines[0]} s" if deadlines else "")
            + "; the abort raises the `rollout-aborted` alarm to the ticket topic"
            + (" and is sent to " + ", ".join(f"`{n}`" for n in notified) if notified else "")
            + "."
        )
    if dry:
        lines.append(
            "**Dry run** for " + ", ".join(f"`{s}`" for s in dry) + ": every check is measured "
            "and recorded in the AnalysisRun, none aborts and nobody is notified."
        )
    lines.append(f"Watch, pause, promote or abort by hand: [{RUNBOOK}]({RUNBOOK}).")
    return "\n\n".join(lines)


def rollout_plans_block(plans: Sequence[ReleasePlan]) -> str | None:
    """The comment block for a release; None when no server's image changes."""
    if not plans:
        return None
    header = (
        "| Server | Image | Steps (new version's share) | Each step | Gate after each watch "
        "| Background | Least duration |\n|---|---|---|---|---|---|---|"
    )
    rows = "\n".join(_row(plan) for plan in plans)
    title = f"#### Rollout plan ({len(plans)} server{'s' if len(plans) != 1 else ''} released)"
    return f"{title}\n\n{header}\n{rows}\n\n{_rollback(plans)}"
