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
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from review import cache
from review.model import Review
from review.pipeline import ReviewInputError, ReviewRequest
from review.render import PROJECT_DIR
from review.report_json import render_json, review_document
from review.report_markdown import render_markdown
from review.report_text import print_text, render_text
from review.stack_reviews import StackReview, project_stacks, review_stacks
from stacks.errors import SettingsError
from stacks.stack_file import STACK_FILE_VARIABLE, read_project_name, read_stack_config

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


def write_report(review: Review, output_format: OutputFormat, output: Path | None) -> None:
    """Format the report model and send it to ``output`` (or stdout)."""
    if output_format is OutputFormat.JSON:
        text = render_json(review)
    elif output is None:
        print_text(review, Console())
        return
    else:
        text = render_text(review)
    if output is None:
        sys.stdout.write(text)
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
    previous = os.environ.get(STACK_FILE_VARIABLE)
    os.environ[STACK_FILE_VARIABLE] = str(config_file)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(STACK_FILE_VARIABLE, None)
        else:
            os.environ[STACK_FILE_VARIABLE] = previous


def check_stack_files(requests: list[ReviewRequest]) -> None:
    """Refuse a project or stack file that is not YAML, repeats a key, or has the wrong shape.

    The render and the policy run would otherwise meet it first and end in a traceback.
    """
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


def write_reports(
    reviewed: list[StackReview], output_format: OutputFormat, output: Path | None
) -> None:
    """One stack as before; several as one document (markdown: one pull request comment)."""
    if output_format is OutputFormat.MARKDOWN:
        text = render_markdown([r.section() for r in reviewed])
    elif len(reviewed) == 1:
        write_report(reviewed[0].review, output_format, output)
        return
    elif output_format is OutputFormat.JSON:
        text = json.dumps({"stacks": [review_document(r.review) for r in reviewed]}, indent=2)
        text += "\n"
    elif output is None:
        console = Console()
        for r in reviewed:
            console.rule(r.review.stack)
            print_text(r.review, console)
        return
    else:
        text = "\n".join(render_text(r.review) for r in reviewed)
    if output is None:
        sys.stdout.write(text)
    else:
        write_output(output, text)


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
    check_stack_files(requests)
    try:
        with stack_file_named(config_file), cache.bypassed(no_cache):
            reviewed = review_stacks(requests, base)
    except ReviewInputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    write_reports(reviewed, output_format, output)
    raise typer.Exit(max(exit_status(r.review) for r in reviewed))


def main() -> None:
    app()
