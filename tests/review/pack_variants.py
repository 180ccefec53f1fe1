"""Broken variants of a rendered stack, judged by the whole policy pack two at a time.

The pack tests (policy pack, gateway, tenancy, audit, rollouts) each break a rendered stack in
ways one rule guards and check that exactly that rule fails; this is the shared machinery.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from review.analyze import PolicyReport
from review.render import RenderedStack

Change = Callable[[list[dict[str, Any]]], None]
"""Edits a deep copy of the rendered resources in place."""


def with_resources(rendered: RenderedStack, change: Change) -> RenderedStack:
    resources = copy.deepcopy(rendered.resources)
    change(resources)
    return RenderedStack(rendered.project, rendered.stack, resources, rendered.root)


def judge_all(jobs: Mapping[str, Callable[[], PolicyReport | None]]) -> dict[str, PolicyReport]:
    """Every job's report, two pack runs at a time (the machine's two cores); each must report."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        results = {name: future.result() for name, future in futures.items()}
    missing = [name for name, report in results.items() if report is None]
    assert not missing, f"the pack gave no report for {missing}"
    return {name: report for name, report in results.items() if report is not None}
