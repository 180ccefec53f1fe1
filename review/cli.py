"""``python -m review STACK``: render a stack offline, check the policy pack, report.

``--all`` reviews every stack; ``--base REF`` also compares each stack with the git revision
REF (rendered from a temporary worktree with its own code) and reports what changes, the
changes a reviewer must not miss first. ``--format markdown`` is the pull request comment.

Exit status: 0 the stack renders and no mandatory policy is violated; 1 a mandatory policy
is violated; 2 the review could not run (unknown stack, bad settings, bad policy config, a
policy pack that does not start), with one message on stderr and no traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from review import cache, report_cache
from review.render import PROJECT_DIR
from review.request import ReviewRequest, project_stacks

if TYPE_CHECKING:
    from rich.console import Console

    from review.model import Review
    from review.stack_reviews import StackReview

# Everything heavier (the pipeline, the SDK's protobufs, the settings models and botocore, the
# report writers) is imported only once the review cache has no finished report to print:
# see ``run_review``.

EXIT_OK = 0
EXIT_POLICY_VIOLATION = 1
EXIT_BAD_INPUT = 2


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


app = typer.Typer(
    add_completion=False,
    help="Review a stack offline: render it under Pulumi's mocks, check the policy pack, report.",
    pretty_exceptions_enable=False,
)


def console_text(reviewed: Sequence[StackReview], console: Console) -> str:
    """The text report as ``console`` would print it (colours and width included)."""
    from review.report_text import print_text

    with console.capture() as captured:
        for r in reviewed:
            if len(reviewed) > 1:
                console.rule(r.review.stack)
            print_text(r.review, console)
    return captured.get()


def formatted_report(
    reviewed: Sequence[StackReview], output_format: OutputFormat, console: Console | None
) -> str:
    """The report's text: one stack alone, several as one document (markdown: one pull
    request comment); the text report on ``console`` when there is one, else plain."""
    if output_format is OutputFormat.MARKDOWN:
        from review.report_markdown import render_markdown

        return render_markdown([r.section() for r in reviewed])
    if output_format is OutputFormat.JSON:
        from review.report_json import render_json, review_document

        if len(reviewed) == 1:
            return render_json(reviewed[0].review)
        document = {"stacks": [review_document(r.review) for r in reviewed]}
        return json.dumps(document, indent=2) + "\n"
    if console is not None:
        return console_text(reviewed, console)
    from review.report_text import render_text

    return "\n".join(render_text(r.review) for r in reviewed)


def output_form(
    output_format: OutputFormat, output: Path | None
) -> tuple[dict[str, Any], Console | None]:
    """What the report's text depends on besides the review, and the console to print the
    text report on (None: a file or a format with no colours gets the same text anywhere)."""
    if output_format is not OutputFormat.TEXT:
        return {"format": str(output_format)}, None
    if output is not None:
        return {"format": "text", "to": "file"}, None
    from rich.console import Console

    console = Console()
    return {
        "format": "text",
        "to": "console",
        "width": console.width,
        "color_system": console.color_system,
        "terminal": console.is_terminal,
        "dumb": console.is_dumb_terminal,
        "encoding": console.encoding,
        "legacy_windows": console.legacy_windows,
    }, console


def emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_output(output, text)


def output_problem(output: Path) -> str | None:
    """Why the report could not be written to ``output``; checked before the review runs."""
    if output.is_dir():
        return f"{output}: --output names a directory; name a file in it"
    parent = output.parent
    if not parent.is_dir():
        return f"{output}: --output: the directory {parent} does not exist; create it first"
    if not os.access(parent, os.W_OK | os.X_OK) or (
        output.exists() and not os.access(output, os.W_OK)
    ):
        return f"{output}: --output: not writable by this user; choose another path"
    return None


def write_output(output: Path, text: str) -> None:
    """Write the report; a failure is bad input (exit 2), never 'policy violated' (exit 1)."""
    try:
        output.write_text(text)
    except OSError as error:
        typer.echo(f"error: {output}: cannot write the report: {error.strerror or error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def argument_problem(
    stack: str | None, all_stacks: bool, one_stack_file: Path | None, output: Path | None
) -> str | None:
    """What is wrong with the arguments, before anything is rendered; None when nothing."""
    if (stack is None) == (not all_stacks):
        return "name one STACK or give --all (not both)"
    if all_stacks and one_stack_file:
        return "--config-file and --policy-config name one stack's files"
    return output_problem(output) if output is not None else None


@contextmanager
def stack_file_named(config_file: Path | None) -> Iterator[None]:
    """Messages name ``--config-file`` rather than ``Pulumi.STACK.yaml`` while the review runs.

    The program cannot ask the engine which file it read, so the review says it through
    ``MCP_FLEET_STACK_FILE`` (inherited by the render process), and puts it back afterwards.
    """
    if config_file is None:
        yield
        return
    from stacks.stack_file import STACK_FILE_VARIABLE

    previous = os.environ.get(STACK_FILE_VARIABLE)
    os.environ[STACK_FILE_VARIABLE] = str(config_file)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(STACK_FILE_VARIABLE, None)
        else:
            os.environ[STACK_FILE_VARIABLE] = previous


def check_stack_files(requests: Sequence[ReviewRequest]) -> None:
    """Refuse a project or stack file that is not YAML, repeats a key, or has the wrong shape.

    The render and the policy run would otherwise meet it first and end in a traceback.
    """
    from stacks.errors import SettingsError
    from stacks.stack_file import read_project_name, read_stack_config

    for request in requests:
        project_file = request.project_dir / "Pulumi.yaml"
        path = request.config_file or request.project_dir / f"Pulumi.{request.stack}.yaml"
        if not project_file.exists() or not path.exists():
            continue  # the pipeline names a missing file itself
        try:
            read_stack_config(path, project=read_project_name(project_file))
        except SettingsError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None


def exit_status(review: Review) -> int:
    return EXIT_POLICY_VIOLATION if review.mandatory_violations else EXIT_OK


def run_review(
    requests: Sequence[ReviewRequest],
    base: str | None,
    output_format: OutputFormat,
    console: Console | None,
) -> report_cache.StoredReport:
    """Render, analyze and report: what a review costs when the cache has no report for it."""
    from review.pipeline import ReviewInputError
    from review.stack_reviews import review_stacks

    check_stack_files(requests)
    try:
        reviewed = review_stacks(requests, base)
    except ReviewInputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    text = formatted_report(reviewed, output_format, console)
    return report_cache.StoredReport(text, max(exit_status(r.review) for r in reviewed))


def cached_review(
    requests: Sequence[ReviewRequest],
    base: str | None,
    output_format: OutputFormat,
    output: Path | None,
) -> report_cache.StoredReport:
    """The finished report from the review cache, else a review that then fills it."""
    form, console = output_form(output_format, output)
    key = report_cache.report_key(requests, base, form)
    stored = report_cache.load(key)
    if stored is not None:
        return stored
    report = run_review(requests, base, output_format, console)
    # Stored only if no input changed while the review ran (as render and policy entries).
    if key is not None and key == report_cache.report_key(requests, base, form):
        report_cache.store(key, report)
    return report


@app.command()
def review(
    stack: Annotated[
        str | None, typer.Argument(help="The stack to review: dev, staging, prod, ...")
    ] = None,
    all_stacks: Annotated[
        bool, typer.Option("--all", help="Review every stack (every Pulumi.STACK.yaml).")
    ] = False,
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            help="Also compare with this git revision (branch, tag or commit), "
            "e.g. the merge base: git merge-base HEAD main.",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format", help="text for people, json for machines, markdown for a pull request"
        ),
    ] = OutputFormat.TEXT,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the report here instead of stdout.")
    ] = None,
    config_file: Annotated[
        Path | None,
        typer.Option("--config-file", help="A stack file to use instead of Pulumi.STACK.yaml."),
    ] = None,
    policy_pack: Annotated[
        Path | None, typer.Option("--policy-pack", help="The policy pack (default: policy/).")
    ] = None,
    policy_config: Annotated[
        Path | None,
        typer.Option(
            "--policy-config", help="The pack's config (default: policy/config/STACK.json)."
        ),
    ] = None,
    skip_policy: Annotated[
        bool, typer.Option("--skip-policy", help="Render and report without the policy pack.")
    ] = False,
    project_dir: Annotated[
        Path,
        typer.Option(
            "--project-dir",
            help="The Pulumi project to review (default: this repository).",
            show_default=False,
        ),
    ] = PROJECT_DIR,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Render and analyze afresh, without reading or writing the review cache "
            "(.cache/review, or MCP_FLEET_REVIEW_CACHE).",
        ),
    ] = False,
) -> None:
    """Render STACK with Pulumi's mock runtime, run the policy pack over it, and report."""
    problem = argument_problem(stack, all_stacks, config_file or policy_config, output)
    if problem:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    project = project_dir.resolve()
    stacks = project_stacks(project) if all_stacks else [str(stack)]
    if not stacks:
        typer.echo(f"error: {project}: no stack files (Pulumi.STACK.yaml) to review", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    requests = [
        ReviewRequest(
            stack=name,
            project_dir=project,
            config_file=config_file.resolve() if config_file else None,
            pack_dir=policy_pack.resolve() if policy_pack else None,
            policy_config_file=policy_config.resolve() if policy_config else None,
            check_policy=not skip_policy,
        )
        for name in stacks
    ]
    with stack_file_named(config_file), cache.bypassed(no_cache):
        report = cached_review(requests, base, output_format, output)
    emit(report.text, output)
    raise typer.Exit(report.exit_code)


def main() -> None:
    app()
