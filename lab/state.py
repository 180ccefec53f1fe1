"""What a running lab remembers in its state directory, so `token` and `down` can find it.

``lab.json`` holds the public URL, each server's route and tenant, each tenant's issuer and
key files, and every process the lab started with its start time (so `down` never signals
a process that merely reused a PID).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from lab.errors import LabError

STATE_FILE = "lab.json"
DEFAULT_DIR_ENV = "MCP_FLEET_LAB_DIR"


def default_state_dir() -> Path:
    """``$MCP_FLEET_LAB_DIR``, else one directory per user under the temporary directory."""
    configured = os.environ.get(DEFAULT_DIR_ENV)
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"mcp-fleet-lab-{os.getuid()}"


class LabModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StartedProcess(LabModel):
    name: str
    pid: int
    start_ticks: int
    log: str


class LabTenant(LabModel):
    issuer: str
    private_key: str
    public_key: str


class LabServer(LabModel):
    url: str
    tenant: str
    session_mode: str
    replicas: dict[str, str] = {}
    """Replica name to its direct URL, bypassing the gateway (remote servers have none)."""


class LabState(LabModel):
    stack: str
    public_base_url: str
    gateway_config: str
    tenants: dict[str, LabTenant]
    servers: dict[str, LabServer]
    gateway_traffic: dict[str, str] = {}
    """Gateway replica name to its MCP origin, bypassing the ALB stand-in."""
    gateway_health: dict[str, str] = {}
    """Gateway replica name to its health/metrics origin (``/healthz``, ``/metrics``)."""
    otlp_endpoint: str | None = None
    """Where the reference servers export spans (OTLP/HTTP base URL); None: not exported."""
    processes: tuple[StartedProcess, ...] = ()


def state_path(state_dir: Path) -> Path:
    return state_dir / STATE_FILE


def save(state_dir: Path, state: LabState) -> None:
    """Write atomically: a crash mid-write must not leave `down` without its PID list."""
    path = state_path(state_dir)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(state.model_dump_json(indent=2) + "\n")
    temporary.replace(path)


def load(state_dir: Path) -> LabState:
    path = state_path(state_dir)
    if not path.is_file():
        raise LabError(
            f"{path}: no lab runs here; start one with `python -m lab up --stack dev` "
            "(or pass the --state-dir it printed)"
        )
    try:
        return LabState.model_validate(json.loads(path.read_text()))
    except (ValueError, ValidationError) as error:
        raise LabError(f"{path}: not a lab state file ({error.__class__.__name__})") from None
