"""Compare stacks at a base revision with the working tree: render both, diff, judge.

The base revision is rendered from a temporary git worktree with that revision's own code
and config (review.render runs each render in its own process), and judged by that
revision's own policy pack when it has one. Renders are independent processes, so they run
side by side in threads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from review import worktree
from review.callouts import Callout, callouts
from review.diff import StackDiff, diff_stacks
from review.policy_diff import PolicyDiff, policy_diff
from review.render import PROJECT_DIR, RenderedStack, RenderError, render_stack

Analyze = Callable[[RenderedStack, Path], Sequence[Any]]
"""(rendered stack, project directory whose policy/ pack judges it) -> diagnostics."""

RENDER_THREADS = 2


@dataclass(frozen=True)
class StackComparison:
    diff: StackDiff
    callouts: tuple[Callout, ...]
    policy: PolicyDiff | None
    """None when no analyzer was given (the review ran without the policy pack)."""
    head: RenderedStack


def _render_base(stack: str, base_dir: Path) -> tuple[RenderedStack | None, str | None]:
    if not (base_dir / "__main__.py").exists() or not (base_dir / "Pulumi.yaml").exists():
        return None, "stack is new at base (the program does not exist there)"
    if not (base_dir / f"Pulumi.{stack}.yaml").exists():
        return None, f"stack is new at base (no Pulumi.{stack}.yaml there)"
    try:
        return render_stack(stack, project_dir=base_dir), None
    except RenderError as error:
        first = str(error).strip().splitlines()
        reason = first[-1] if first else "unknown error"
        return None, f"stack is new at base (the base revision does not render it: {reason})"


def compare(
    stacks: Sequence[str],
    base_ref: str,
    project_dir: Path = PROJECT_DIR,
    analyze: Analyze | None = None,
    heads: dict[str, RenderedStack] | None = None,
    head_diagnostics: dict[str, Sequence[Any]] | None = None,
) -> list[StackComparison]:
    """Every stack at ``base_ref`` against ``project_dir``.

    ``heads`` and ``head_diagnostics`` reuse the working tree's renders and policy results
    when the caller already has them.
    """
    known = dict(heads or {})
    with (
        worktree.checkout(base_ref, project_dir) as base_dir,
        ThreadPoolExecutor(RENDER_THREADS) as pool,
    ):
        head_jobs = {
            stack: pool.submit(render_stack, stack, project_dir)
            for stack in stacks
            if stack not in known
        }
        base_jobs = {stack: pool.submit(_render_base, stack, base_dir) for stack in stacks}
        results = []
        for stack in stacks:
            head = known[stack] if stack in known else head_jobs[stack].result()
            base, missing = base_jobs[stack].result()
            diff = diff_stacks(base, head, base_ref, missing)
            results.append(
                StackComparison(
                    diff=diff,
                    callouts=tuple(callouts(diff)),
                    policy=_policy(
                        diff,
                        base,
                        head,
                        base_dir,
                        project_dir,
                        analyze,
                        (head_diagnostics or {}).get(stack),
                    ),
                    head=head,
                )
            )
    return results


def _policy(
    diff: StackDiff,
    base: RenderedStack | None,
    head: RenderedStack,
    base_dir: Path,
    project_dir: Path,
    analyze: Analyze | None,
    head_diagnostics: Sequence[Any] | None,
) -> PolicyDiff | None:
    if analyze is None:
        return None
    if head_diagnostics is None:
        head_diagnostics = analyze(head, project_dir)
    base_diagnostics = None
    if base is not None and (base_dir / "policy" / "PulumiPolicy.yaml").exists():
        try:
            base_diagnostics = analyze(base, base_dir)
        except Exception:
            # A base pack that cannot judge this stack (no config for it, a pack that does
            # not start) leaves nothing to compare with: reported as unavailable.
            base_diagnostics = None
    renames = {c.base_urn: c.urn for c in diff.changes if c.base_urn}
    return policy_diff(base_diagnostics, head_diagnostics, renames)
