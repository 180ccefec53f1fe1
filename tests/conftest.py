"""Shared fixtures: the example stacks rendered once per session (each render is a process)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from review.render import RenderedStack, render_stack

STACKS = ("dev", "staging", "prod")


@pytest.fixture(scope="session")
def rendered() -> Callable[[str], RenderedStack]:
    """``rendered("prod")`` renders the example prod stack once and caches it."""
    cache: dict[str, RenderedStack] = {}

    def get(stack: str) -> RenderedStack:
        if stack not in cache:
            cache[stack] = render_stack(stack)
        return cache[stack]

    return get
