"""The review as composable steps: render, plan, check policy, build the report model.

Each step is a plain function of the request and the steps before it, so a caller (the
CLI, a comparison against a base revision, a test) can run any of them alone or swap one.
Every failure a user can cause ends in ``ReviewInputError`` with one clear message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from review import cache
from review.analyze import (
    PolicyDiagnostic,
    PolicyPackError,
    PolicyReport,
    analyze_stack,
    stack_config_of,
)
from review.policy_codec import decode_report, encode_report
from review.policy_config import PolicyConfigError
from review.render import RenderedStack, RenderError, render_stack, streaming_records
from review.render_worker import stack_config
from review.request import ReviewRequest
from review.streamed_analysis import StreamedAnalysis
from stacks.errors import SettingsError
from stacks.fleet_plan import Settings


class ReviewInputError(Exception):
    """The review cannot run with what it was given; the message says what to fix."""


__all__ = [
    "ReviewInputError",
    "ReviewRequest",
    "check_policy",
    "plan",
    "policy_diagnostics",
    "render",
    "render_and_check",
]


def render(request: ReviewRequest) -> RenderedStack:
    try:
        return render_stack(request.stack, request.project_dir, request.config_file)
    except RenderError as error:
        raise ReviewInputError(str(error)) from None


def plan(request: ReviewRequest, rendered: RenderedStack) -> Settings:
    """The stack's settings and capacity plan, from the config the render ran with."""
    from stacks import load_settings

    try:
        return load_settings(
            rendered.config,
            project=rendered.project,
            stack=request.stack,
            catalog_dir=request.project_dir / "catalog" / "servers",
        )
    except FileNotFoundError as error:
        raise ReviewInputError(f"{error.filename}: no such file") from None
    except SettingsError as error:
        raise ReviewInputError(str(error)) from None


def check_policy(
    rendered: RenderedStack,
    request: ReviewRequest,
    analyzed: Callable[[RenderedStack], PolicyReport] | None = None,
) -> PolicyReport | None:
    """The pack's verdict over the analyzer protocol; None when the request skips policy.

    ``analyzed`` gives the verdict of an analysis already under way (``render_and_check``);
    without it the pack is started and run over the rendered stack here."""
    if not request.check_policy:
        return None
    config_file = request.policy_config
    if request.policy_config_file is not None and not config_file.exists():
        raise ReviewInputError(f"{config_file}: no such policy config file")
    key = ""
    if rendered.cache_key:
        key = cache.policy_key(rendered.cache_key, request.project_dir, request.pack, config_file)
    payload = cache.load("policy", key) if key else None
    if payload is not None:
        return decode_report(payload)
    try:
        if analyzed is not None:
            report = analyzed(rendered)
        else:
            stack_config = stack_config_of(rendered, request.project_dir)
            report = analyze_stack(rendered, stack_config, request.pack, config_file)
    except (PolicyPackError, PolicyConfigError) as error:
        raise ReviewInputError(str(error)) from None
    if key and key == cache.policy_key(
        rendered.cache_key, request.project_dir, request.pack, config_file
    ):  # no input changed while the pack ran
        cache.store("policy", key, encode_report(report))
    return report


def render_and_check(request: ReviewRequest) -> tuple[RenderedStack, PolicyReport | None]:
    """``render`` then ``check_policy``, with the pack judging each resource while the
    program is still registering the next (``review.streamed_analysis``): the render and the
    pack each have a core. The results are those of the two steps one after the other."""
    analysis = _streamed_analysis(request)
    if analysis is None:
        rendered = render(request)
        return rendered, check_policy(rendered, request)
    try:
        with streaming_records(analysis.record):
            rendered = render(request)
        expected = analysis.stack_config
        if (rendered.project, rendered.config, rendered.secret_keys) != (
            expected.project,
            expected.config,
            tuple(expected.secret_keys),
        ):  # the pack was configured with other settings than the program ran with
            return rendered, check_policy(rendered, request)
        return rendered, check_policy(rendered, request, analysis.finish)
    finally:
        analysis.abandon()


def _streamed_analysis(request: ReviewRequest) -> StreamedAnalysis | None:
    """The pack started for ``request``'s stack, unless there is nothing to overlap: policy
    skipped, the render or the analysis in the cache, or a file the steps report on."""
    if not request.check_policy or not request.policy_config.exists():
        return None
    if cache.cache_dir() is not None:
        render_key = cache.render_key(request.stack, request.project_dir, request.config_file)
        policy_key = cache.policy_key(
            render_key, request.project_dir, request.pack, request.policy_config
        )
        if cache.has("render", render_key) or cache.has("policy", policy_key):
            return None
    try:
        project, config, secret_keys = stack_config(
            request.project_dir, request.stack, request.config_file
        )
    except Exception:  # the render names what is wrong with the stack's files
        return None
    rendered = RenderedStack(project, request.stack, config=config, secret_keys=tuple(secret_keys))
    try:
        stack = stack_config_of(rendered, request.project_dir)
    except Exception:  # the project file: the render names it
        return None
    return StreamedAnalysis(stack, request.pack, request.policy_config).start()


def policy_diagnostics(rendered: RenderedStack, project_dir: Path) -> tuple[PolicyDiagnostic, ...]:
    """The diagnostics of ``project_dir``'s own pack and config for a rendered stack."""
    report = check_policy(rendered, ReviewRequest(rendered.stack, project_dir=project_dir))
    return report.diagnostics if report else ()
