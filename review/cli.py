"""``python -m review STACK``: render a stack offline, check the policy pack, report.

Exit status: 0 the stack renders and no mandatory policy is violated; 1 a mandatory policy
is violated; 2 the review could not run (unknown stack, bad settings, bad policy config, a
policy pack that does not start), with one message on stderr and no traceback.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from review.model import Review
from review.pipeline import ReviewInputError, ReviewRequest, run_review
from review.render import PROJECT_DIR
from review.report_json import render_json
from review.report_text import print_text, render_text

EXIT_OK = 0
EXIT_POLICY_VIOLATION = 1
EXIT_BAD_INPUT = 2


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


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
        output.write_text(text)


def exit_status(review: Review) -> int:
    return EXIT_POLICY_VIOLATION if review.mandatory_violations else EXIT_OK


@app.command()
def review(
    stack: Annotated[str, typer.Argument(help="The stack to review: dev, staging, prod, ...")],
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="text for people, json for machines")
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
        Path, typer.Option("--project-dir", help="The Pulumi project to review.")
    ] = PROJECT_DIR,
) -> None:
    """Render STACK with Pulumi's mock runtime, run the policy pack over it, and report."""
    request = ReviewRequest(
        stack=stack,
        project_dir=project_dir.resolve(),
        config_file=config_file.resolve() if config_file else None,
        pack_dir=policy_pack.resolve() if policy_pack else None,
        policy_config_file=policy_config.resolve() if policy_config else None,
        check_policy=not skip_policy,
    )
    try:
        result = run_review(request)
    except ReviewInputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    write_report(result, output_format, output)
    raise typer.Exit(exit_status(result))


def main() -> None:
    app()
