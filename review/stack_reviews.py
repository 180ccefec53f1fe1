"""Review several stacks at once, optionally against a base revision: what the CLI runs.

The working tree's stacks are rendered side by side (each render is its own process), each
becomes a report model through the pipeline's steps, and with a base revision every model
gains its ``changes``: the same renders and policy results are reused for the comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from review import pipeline
from review.changes_model import stack_changes
from review.compare import RENDER_THREADS, compare
from review.mermaid import stack_diagram
from review.model import Review
from review.render import RenderedStack
from review.report import build_review
from review.report_markdown import StackSection
from review.request import project_stacks as project_stacks  # where callers found it before
from review.worktree import BaseRevisionError


@dataclass(frozen=True)
class StackReview:
    review: Review
    rendered: RenderedStack

    def section(self) -> StackSection:
        return StackSection(self.review, self.review.changes, stack_diagram(self.rendered))


def review_stacks(
    requests: Sequence[pipeline.ReviewRequest], base: str | None
) -> list[StackReview]:
    """One report model per request; with ``base``, each carries its comparison."""
    with ThreadPoolExecutor(RENDER_THREADS) as pool:
        checked = list(pool.map(pipeline.render_and_check, requests))
    renders = [rendered for rendered, _ in checked]
    reviews: list[Review] = []
    diagnostics: dict[str, Sequence[Any]] = {}
    for request, (rendered, policy) in zip(requests, checked, strict=True):
        reviews.append(
            build_review(
                rendered,
                pipeline.plan(request, rendered),
                policy,
                request.policy_config if policy is not None else None,
            )
        )
        if policy is not None:
            diagnostics[request.stack] = policy.diagnostics
    if base is not None:
        reviews = _with_changes(requests, renders, reviews, base, diagnostics)
    return [StackReview(r, rendered) for r, rendered in zip(reviews, renders, strict=True)]


def _with_changes(
    requests: Sequence[pipeline.ReviewRequest],
    renders: Sequence[RenderedStack],
    reviews: Sequence[Review],
    base: str,
    diagnostics: Mapping[str, Sequence[Any]],
) -> list[Review]:
    project_dirs = {request.project_dir for request in requests}
    if len(project_dirs) != 1:
        raise pipeline.ReviewInputError("--base compares stacks of one project directory")
    checking = all(request.check_policy for request in requests)
    try:
        comparisons = compare(
            [request.stack for request in requests],
            base,
            project_dirs.pop(),
            analyze=pipeline.policy_diagnostics if checking else None,
            heads={
                request.stack: rendered for request, rendered in zip(requests, renders, strict=True)
            },
            head_diagnostics=dict(diagnostics) if checking else None,
        )
    except BaseRevisionError as error:
        raise pipeline.ReviewInputError(str(error)) from None
    return [
        review.model_copy(update={"changes": stack_changes(comparison)})
        for review, comparison in zip(reviews, comparisons, strict=True)
    ]
