"""Start, watch and stop the lab's processes, each in its own session with its own log file.

Readiness is polled (an HTTP probe that answers), never slept for; stopping sends SIGTERM,
waits for the process to go, and only then escalates to SIGKILL.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import httpx

from lab.errors import LabError
from lab.state import StartedProcess

# /proc/PID/stat field 22 (start time), counted from field 3, the first after "(comm)"
START_TIME_AFTER_COMM = 19


def start_ticks(pid: int) -> int:
    """When the process started, in clock ticks since boot; 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[START_TIME_AFTER_COMM])


def is_running(process: StartedProcess) -> bool:
    """Alive and still the process we started (not a stranger that reused the PID)."""
    try:
        state = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z" and start_ticks(process.pid) == process.start_ticks


def start(
    name: str, argv: Sequence[str], log: Path, env: Mapping[str, str] | None = None
) -> StartedProcess:
    """Start ``argv`` detached from the caller, output to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        child = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    return StartedProcess(
        name=name, pid=child.pid, start_ticks=start_ticks(child.pid), log=str(log)
    )


def start_forked(
    replicas: Sequence[tuple[str, Sequence[str], Path]], env: Mapping[str, str]
) -> list[StartedProcess]:
    """Start reference-server replicas through ``lab.reference_fleet`` (one import, forks)."""
    request = [{"name": name, "argv": list(argv), "log": str(log)} for name, argv, log in replicas]
    for _, _, log in replicas:
        log.parent.mkdir(parents=True, exist_ok=True)
    launched = subprocess.run(
        [sys.executable, "-m", "lab.reference_fleet"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        start_new_session=True,
        check=False,
    )
    started = [json.loads(line) for line in launched.stdout.splitlines() if line.startswith("{")]
    processes = [
        StartedProcess(
            name=item["name"], pid=item["pid"], start_ticks=start_ticks(item["pid"]), log=str(path)
        )
        for item, (_, _, path) in zip(started, replicas, strict=False)
    ]
    if launched.returncode != 0 or len(processes) != len(replicas):
        stop(processes)
        raise LabError(f"the reference servers did not start: {launched.stderr.strip()[-800:]}")
    return processes


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code < 500
    except httpx.HTTPError:
        return False


def wait_until(
    probes: Mapping[str, Callable[[], bool]],
    processes: Mapping[str, StartedProcess],
    timeout: float,
) -> None:
    """Poll every probe until all pass; fail fast, naming the log, if a process exits."""
    pending = dict(probes)
    deadline = time.monotonic() + timeout
    while pending:
        for name in list(pending):
            process = processes.get(name)
            if process is not None and not is_running(process):
                tail = Path(process.log).read_text(errors="replace")[-800:]
                raise LabError(f"{name} exited while starting; its log {process.log} ends:\n{tail}")
            if pending[name]():
                del pending[name]
        if pending and time.monotonic() > deadline:
            raise LabError(
                f"not ready after {timeout:.0f}s: {', '.join(sorted(pending))}; see their logs"
            )
        if pending:
            time.sleep(0.05)


def http_probe(url: str) -> Callable[[], bool]:
    return lambda: _answers(url)


def stop(processes: Sequence[StartedProcess], grace: float = 10.0) -> list[str]:
    """SIGTERM each process still ours, wait, SIGKILL what remains; return the names stopped."""
    alive = [process for process in processes if is_running(process)]
    for process in alive:
        _signal(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(is_running(process) for process in alive) and time.monotonic() < deadline:
        time.sleep(0.05)
    for process in alive:
        if is_running(process):
            _signal(process, signal.SIGKILL)
    return [process.name for process in alive]


def _signal(process: StartedProcess, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signum)
