"""Start and stop a lab the way a user does (`python -m lab up/down`), for the e2e tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lab import processes
from lab.issuer import issue_token
from lab.stack import PROJECT_DIR
from lab.state import LabState, load


def run_lab(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lab", *args],
        cwd=PROJECT_DIR,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )


@dataclass(frozen=True)
class RunningLab:
    state_dir: Path
    gateway: str
    servers: dict[str, str]
    otlp_endpoint: str | None = None
    """Where the reference servers export spans, as `up` printed it (None: nowhere)."""

    def state(self) -> LabState:
        return load(self.state_dir)

    def token(self, tenant: str, server: str, **options: object) -> str:
        return issue_token(self.state(), tenant=tenant, server=server, **options)  # type: ignore[arg-type]

    def process(self, name: str) -> processes.StartedProcess:
        return next(process for process in self.state().processes if process.name == name)

    def kill(self, name: str) -> None:
        """SIGKILL one of the lab's processes, as a crash would, and wait until it is gone."""
        process = self.process(name)
        os.kill(process.pid, signal.SIGKILL)
        wait_for(lambda: not processes.is_running(process), f"{name} to exit")

    def raw_log(self, name: str) -> str:
        return Path(self.process(name).log).read_text(errors="replace")

    def log_lines(self, name: str) -> list[dict[str, object]]:
        """The JSON access-log lines a gateway replica wrote so far."""
        text = Path(self.process(name).log).read_text(errors="replace")
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def start_lab(state_dir: Path, *args: str, env: dict[str, str] | None = None) -> RunningLab:
    result = run_lab("up", "--state-dir", str(state_dir), "--timeout", "180", *args, env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout  # exactly one JSON line
    printed = json.loads(lines[0])
    assert printed["stateDir"] == str(state_dir.resolve())
    return RunningLab(
        state_dir=state_dir,
        gateway=printed["gateway"],
        servers=printed["servers"],
        otlp_endpoint=printed["otlpEndpoint"],
    )


def stop_lab(lab: RunningLab) -> None:
    """`lab down`, then prove nothing it started is left running."""
    started = lab.state().processes
    result = run_lab("down", "--state-dir", str(lab.state_dir))
    assert result.returncode == 0, result.stderr
    left = [process.name for process in started if processes.is_running(process)]
    assert left == [], f"still running after down: {left}"


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
