"""`python -m lab`: up, token, down. Errors print one line and exit 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lab import processes
from lab.errors import LabError
from lab.issuer import issue_token
from lab.state import default_state_dir, load, state_path
from lab.up import UpOptions, up

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="A local lab: the real gateway (HAProxy) in front of reference MCP servers.",
)
errors = Console(stderr=True)
EXIT_BAD_INPUT = 2

StateDir = Annotated[
    Path | None,
    typer.Option(help="where the lab keeps its state (default: $MCP_FLEET_LAB_DIR or a temp dir)"),
]


def _fail(error: LabError) -> typer.Exit:
    errors.print(f"[red]lab:[/red] {error}", markup=True, highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_BAD_INPUT)


@app.command("up")
def up_command(
    stack: Annotated[str, typer.Option(help="the stack whose servers and tenants to run")] = "dev",
    state_dir: StateDir = None,
    server: Annotated[
        list[str] | None, typer.Option(help="run only these servers (repeatable)")
    ] = None,
    rate_limit: Annotated[
        int | None,
        typer.Option(min=1, help="requests per second for every tenant (default: the stack's)"),
    ] = None,
    remotes: Annotated[
        Path | None, typer.Option(help="YAML list of remote HTTPS servers to route to")
    ] = None,
    timeout: Annotated[float, typer.Option(min=1, help="seconds to wait for readiness")] = 60,
    otlp_endpoint: Annotated[
        str | None,
        typer.Option(help="OTLP/HTTP base URL the servers export spans to (default: none)"),
    ] = None,
) -> None:
    """Start the lab and print one JSON line: each server's gateway URL and the state dir."""
    directory = (state_dir or default_state_dir()).resolve()
    options = UpOptions(
        stack=stack,
        state_dir=directory,
        rate_limit=rate_limit,
        remotes_file=remotes,
        only=tuple(server or ()),
        timeout=timeout,
        otlp_endpoint=otlp_endpoint,
    )
    try:
        state = up(options)
    except LabError as error:
        raise _fail(error) from None
    line = {
        "gateway": state.public_base_url,
        "servers": {name: entry.url for name, entry in sorted(state.servers.items())},
        "stateDir": str(directory),
        "otlpEndpoint": state.otlp_endpoint,
    }
    print(json.dumps(line, sort_keys=True))


@app.command("token")
def token_command(
    tenant: Annotated[str, typer.Option(help="whose issuer signs the token")],
    server: Annotated[str, typer.Option(help="the server the token is for (its audience)")],
    expired: Annotated[bool, typer.Option(help="a token that expired ten minutes ago")] = False,
    audience: Annotated[
        str | None, typer.Option(help="another audience than the server's URI")
    ] = None,
    state_dir: StateDir = None,
) -> None:
    """Print a JWT of the tenant's local issuer for the server."""
    try:
        state = load((state_dir or default_state_dir()).resolve())
        print(issue_token(state, tenant=tenant, server=server, expired=expired, audience=audience))
    except LabError as error:
        raise _fail(error) from None


@app.command("down")
def down_command(state_dir: StateDir = None) -> None:
    """Stop every process the lab started, then forget it (keys and logs stay for a look)."""
    directory = (state_dir or default_state_dir()).resolve()
    try:
        state = load(directory)
    except LabError as error:
        raise _fail(error) from None
    stopped = processes.stop(state.processes)
    state_path(directory).unlink()
    errors.print(f"lab: stopped {len(stopped)} processes; logs stay in {directory / 'logs'}")


def main() -> None:
    app()
