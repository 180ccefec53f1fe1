"""What the gateway adds: latency and throughput through it versus straight to a server.

``python benchmarks/gateway.py`` (``make benchmark-gateway``) starts the local lab (``python
-m lab up``, only the two servers measured, the tenant rate limit raised out of the way) or
reuses a running one (``--state-dir``), and opens two sessions of the official ``mcp`` client
per server: one through the ALB stand-in and the gateway with a token (the path a client
takes), one straight to the server's replica r0 (no token, no proxy). Per server, a stateless
one and a stateful one, it drives ``tools/call`` (``echo``) open loop at a fixed rate, the two
paths alternating in rounds so both see the same machine, then closed loop with N concurrent
callers for the most each path carries. It prints a table (direct and gateway p50/p95/p99,
added p50/p95, achieved throughput, errors), the machine, and stops the lab it started,
whatever happens. Loopback only; every phase is bounded by a count and by time.
Timed runs are outside the test suite; tests/benchmarks runs this script at a tiny size.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script, this file's directory comes first on sys.path, where the name
    # ``gateway`` is this file, not the project's gateway package the lab imports.
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import anyio

from benchmarks.gateway_load import Call, Phase, closed_loop, mcp_session, open_loop, warm_up
from benchmarks.gateway_report import figures, machine, report
from benchmarks.lab_cpu import cpu_seconds, spent_since
from lab.errors import LabError
from lab.issuer import issue_token
from lab.processes import is_running
from lab.state import LabState, StartedProcess, load, state_path

PROJECT_DIR = Path(__file__).resolve().parents[1]
BENCHMARK_RATE_LIMIT = 1_000_000
"""Per-tenant requests per second for a lab this script starts: the limiter must not refuse."""
DIRECT_REPLICA = "r0"


@dataclass(frozen=True)
class Target:
    """One measured server: its session mode, its gateway URL and its replica's own URL."""

    name: str
    kind: str
    gateway_url: str
    direct_url: str
    token: str


class BenchmarkError(Exception):
    """A mistake in the options or the lab: one line, exit 2."""


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, help="reuse the lab running there")
    parser.add_argument("--stack", default="dev", help="the stack a new lab runs (dev)")
    parser.add_argument("--stateless", default="github", help="stateless server measured")
    parser.add_argument("--stateful", default="postgres-query", help="stateful server measured")
    parser.add_argument("--rate", type=float, default=25.0, help="open-loop requests/s")
    parser.add_argument("--requests", type=int, default=50, help="per path, per round")
    parser.add_argument("--rounds", type=int, default=10, help="direct/gateway alternations")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="cap per phase")
    parser.add_argument("--concurrency", type=int, default=8, help="closed-loop callers")
    parser.add_argument("--closed-requests", type=int, default=400, help="closed-loop calls")
    parser.add_argument("--warm-up", type=int, default=10, help="untimed calls per session")
    parser.add_argument("--payload-bytes", type=int, default=64, help="echoed text size")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per call")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args(argv)
    numbers = (args.requests, args.rounds, args.concurrency, args.closed_requests)
    if min(numbers) < 1 or min(args.rate, args.max_seconds, args.timeout) <= 0:
        parser.error(
            "--rate, --requests, --rounds, --concurrency, --closed-requests, "
            "--max-seconds and --timeout take positive numbers"
        )
    if args.warm_up < 0 or args.payload_bytes < 1:
        parser.error("--warm-up takes 0 or more, --payload-bytes 1 or more")
    return args


def _run_lab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lab", *args],
        cwd=PROJECT_DIR,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
        capture_output=True,
        text=True,
        check=False,
    )


@contextmanager
def lab(args: argparse.Namespace) -> Iterator[tuple[LabState, bool]]:
    """The lab to measure and whether this run started it (then it is stopped on the way out)."""
    if args.state_dir is not None:
        try:
            state = load(args.state_dir.resolve())
        except LabError as error:
            raise BenchmarkError(str(error)) from None
        stopped = [process.name for process in state.processes if not is_running(process)]
        if stopped:
            raise BenchmarkError(
                f"{args.state_dir}: the lab there is not whole (not running: "
                f"{', '.join(stopped)}); restart it with python -m lab down, then up"
            )
        yield state, False
        return
    with tempfile.TemporaryDirectory(prefix="gateway-benchmark-") as directory:
        try:
            up = _run_lab(
                "up", "--state-dir", directory, "--stack", args.stack,
                "--server", args.stateless, "--server", args.stateful,
                "--rate-limit", str(BENCHMARK_RATE_LIMIT), "--timeout", "180",
            )  # fmt: skip
            if up.returncode != 0:
                raise BenchmarkError("python -m lab up failed: " + up.stderr.strip()[-2000:])
            yield load(Path(directory)), True
        finally:
            # Also when interrupted inside `up` (subprocess.run kills it, not what it started).
            if state_path(Path(directory)).exists():
                down = _run_lab("down", "--state-dir", directory)
                if down.returncode != 0:
                    print(f"lab down failed: {down.stderr.strip()}", file=sys.stderr)


def target(state: LabState, name: str, kind: str) -> Target:
    server = state.servers.get(name)
    if server is None:
        raise BenchmarkError(f"server {name}: the lab runs {', '.join(sorted(state.servers))}")
    if server.session_mode != kind:
        raise BenchmarkError(f"--{kind} {name}: that server is {server.session_mode}")
    if DIRECT_REPLICA not in server.replicas:
        raise BenchmarkError(f"server {name}: no direct URL of replica {DIRECT_REPLICA}")
    token = issue_token(state, tenant=server.tenant, server=name)
    return Target(name, kind, server.url, server.replicas[DIRECT_REPLICA], token)


async def measure(
    target: Target, args: argparse.Namespace, processes: tuple[StartedProcess, ...]
) -> dict[str, dict[str, Phase]]:
    """Open loop in alternating rounds, then closed loop, over one session per path, each
    phase with the CPU the lab's processes spent during it."""
    call = Call(text="x" * args.payload_bytes, timeout_s=args.timeout)
    results: dict[str, dict[str, Phase]] = {"open": {}, "closed": {}}
    async with (
        mcp_session(target.direct_url, None) as direct,
        mcp_session(target.gateway_url, target.token) as gateway,
    ):
        sessions = {"direct": direct, "gateway": gateway}
        failed: dict[str, dict[str, int]] = {}
        for path, session in sessions.items():
            errors = await warm_up(session, call, args.warm_up)
            if errors:
                failed[path] = dict(errors)
        for _ in range(args.rounds if not failed else 0):
            for path, session in sessions.items():
                before = cpu_seconds(processes)
                phase = await open_loop(session, call, args.rate, args.requests, args.max_seconds)
                phase.lab_cpu_s = spent_since(before, cpu_seconds(processes))
                earlier = results["open"].get(path)
                results["open"][path] = earlier.merge(phase) if earlier else phase
        for path, session in sessions.items() if not failed else ():
            before = cpu_seconds(processes)
            results["closed"][path] = phase = await closed_loop(
                session, call, args.concurrency, args.closed_requests, args.max_seconds
            )
            phase.lab_cpu_s = spent_since(before, cpu_seconds(processes))
    if failed:  # raised outside the client's task groups, so it arrives unwrapped
        raise BenchmarkError(
            f"server {target.name}: the warm-up calls to echo failed, {failed}; the lab must "
            "approve echo and, if reused, allow the rate (lab up --rate-limit)"
        )
    return results


def run(args: argparse.Namespace) -> dict[str, Any]:
    load_before = [round(x, 2) for x in os.getloadavg()]
    servers = []
    with lab(args) as (state, started):
        processes = [p.model_dump() for p in state.processes] if started else []
        for name, kind in ((args.stateless, "stateless"), (args.stateful, "stateful")):
            measured = target(state, name, kind)
            phases = anyio.run(measure, measured, args, state.processes)
            servers.append(
                {
                    "name": name,
                    "kind": kind,
                    **{
                        loop: {p: figures(ph) for p, ph in by.items()}
                        for loop, by in phases.items()
                    },
                }
            )
    settings_keys = ("rate", "requests", "rounds", "concurrency", "closed_requests",
                     "payload_bytes", "max_seconds", "timeout")  # fmt: skip
    return {
        "settings": {key: getattr(args, key) for key in settings_keys},
        "servers": servers,
        "machine": machine(),
        "load_before": load_before,
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "lab_started": started,
        "lab_processes": processes,
    }


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    """SIGTERM ends the run like Ctrl-C does: through ``lab``'s finally, which stops the lab."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        result = run(args)
    except BenchmarkError as error:
        print(f"benchmarks/gateway.py: {error}", file=sys.stderr)
        return 2
    print(report(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
