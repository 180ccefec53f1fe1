"""The pack judging resources while the program registers them gives the ordinary verdict.

``pipeline.render_and_check`` overlaps the render and the policy pack; its report must be the
one ``check_policy`` gives for the finished render (same diagnostics, same order), whichever
order the resources arrived in, and a render that streams nothing still gets every verdict.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import review.render
from review import cache
from review.pipeline import ReviewInputError, check_policy, render_and_check
from review.render import RenderedStack
from review.request import ReviewRequest
from review.streamed_analysis import StreamedAnalysis


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many resources each streamed analysis judged while the program ran."""
    streamed: list[int] = []
    real_finish = StreamedAnalysis.finish

    def finish(self: StreamedAnalysis, rendered: RenderedStack) -> object:
        report = real_finish(self, rendered)
        streamed.append(self.streamed)
        return report

    monkeypatch.setattr(StreamedAnalysis, "finish", finish)
    return streamed


def test_the_streamed_verdict_is_the_verdict_after_the_render(counted: list[int]) -> None:
    request = ReviewRequest("dev")
    with cache.bypassed():
        rendered, streamed = render_and_check(request)
        after = check_policy(rendered, request)
    assert counted and counted[0] > len(rendered.resources) / 2, "most were judged in flight"
    assert streamed is not None and after is not None
    assert streamed == after
    assert [d.urn for d in streamed.diagnostics] == [d.urn for d in after.diagnostics]


def test_a_render_that_streams_nothing_is_judged_whole(
    counted: list[int], rendered: Callable[[str], RenderedStack], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stand-in worker (or one that stops streaming) leaves everything to the end."""
    dev = rendered("dev")
    payload = {
        "project": dev.project,
        "stack": dev.stack,
        "resources": dev.resources[::-1],
        "root": dev.root,
        "config": dev.config,
        "secretKeys": list(dev.secret_keys),
    }

    def silent_worker(stack: str, project_dir: Path, config_file: Path | None) -> bytes:
        return json.dumps(payload).encode()

    monkeypatch.setattr(review.render, "run_worker", silent_worker)
    request = ReviewRequest("dev")
    with cache.bypassed():
        again, report = render_and_check(request)
    assert counted == [0]
    assert again.resources == dev.resources, "sorted back into the one order"
    with cache.bypassed():
        assert report == check_policy(dev, request)


def test_a_render_that_fails_stops_the_pack_and_reports_the_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_worker(stack: str, project_dir: Path, config_file: Path | None) -> bytes:
        return json.dumps({"error": "Pulumi.dev.yaml: servers: bad"}).encode()

    monkeypatch.setattr(review.render, "run_worker", failing_worker)
    stopped: list[bool] = []
    real_abandon = StreamedAnalysis.abandon

    def abandon(self: StreamedAnalysis) -> None:
        real_abandon(self)
        stopped.append(not self._thread.is_alive())

    monkeypatch.setattr(StreamedAnalysis, "abandon", abandon)
    with cache.bypassed(), pytest.raises(ReviewInputError, match="servers: bad"):
        render_and_check(ReviewRequest("dev"))
    assert stopped == [True], "the pack process is stopped with the failed render"
