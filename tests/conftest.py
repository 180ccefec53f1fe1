"""Shared fixtures: the example stacks rendered once per session (each render is a process)."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, settings
from pulumi.runtime import settings as pulumi_settings

from review.render import RenderedStack, render_stack

STACKS = ("dev", "staging", "prod")

EXAMPLE_CATALOG_DATE = "2026-11-26"
"""The day the example catalog's scans were judged fresh: reviews in tests are judged as of it,
so the suite does not start failing when the example scans age past 30 days. Refresh both
together (re-scan, re-sign) when the example catalog is updated."""
os.environ.setdefault("MCP_FLEET_REVIEW_AS_OF", EXAMPLE_CATALOG_DATE)

REVIEW_CACHE = tempfile.mkdtemp(prefix="mcp-fleet-review-cache-")
"""Reviews in tests cache into a directory of this session (removed at exit), never into the
repository's .cache/review: the suite is hermetic and starts from an empty cache."""
os.environ["MCP_FLEET_REVIEW_CACHE"] = REVIEW_CACHE
atexit.register(shutil.rmtree, REVIEW_CACHE, True)


settings.register_profile(
    "dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
"""Property tests (hypothesis): ``dev`` explores new examples on every run; ``ci`` is
derandomized (a fixed seed derived from each test), so a CI run is repeatable and a failure
reproduces locally with HYPOTHESIS_PROFILE=ci. CI selects it through the CI variable every CI
service sets, or explicitly with HYPOTHESIS_PROFILE."""
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture(scope="session")
def rendered() -> Callable[[str], RenderedStack]:
    """``rendered("prod")`` renders the example prod stack once and caches it."""
    cache: dict[str, RenderedStack] = {}

    def get(stack: str) -> RenderedStack:
        if stack not in cache:
            cache[stack] = render_stack(stack)
        return cache[stack]

    return get


@pytest.fixture(autouse=True)
def fresh_event_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """Every test gets its own event loop, closed after it.

    ``pulumi.runtime.test`` and the mock runtime take the thread's current loop; an earlier test
    that ran ``asyncio.run`` (the mcp client, ops) leaves none set, and which tests share a
    worker changes with xdist's scheduling, so relying on a leftover loop (or root resource)
    fails at random.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # A test that set mocks and failed before its program ran leaves a root stack no later
    # loop can await; forget it, so each test's mock runtime starts from nothing.
    pulumi_settings.ROOT.set(None)
    yield loop
    asyncio.set_event_loop(None)
    loop.close()
