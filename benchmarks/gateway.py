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
import platform
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

from benchmarks.gateway_load import (
    Call,
    Phase,
    closed_loop,
    mcp_session,
    open_loop,
    percentile,
    warm_up,
)
from lab.errors import LabError
from lab.issuer import issue_token
from lab.processes import is_running
from lab.state import LabState, load

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
    parser.add_argument("--requests", type=int, default=250, help="per path, per round")
    parser.add_argument("--rounds", type=int, default=2, help="direct/gateway alternations")
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
        up = _run_lab(
            "up", "--state-dir", directory, "--stack", args.stack,
            "--server", args.stateless, "--server", args.stateful,
            "--rate-limit", str(BENCHMARK_RATE_LIMIT), "--timeout", "180",
        )  # fmt: skip
        if up.returncode != 0:
            raise BenchmarkError("python -m lab up failed: " + up.stderr.strip()[-2000:])
        try:
            yield load(Path(directory)), True
        finally:
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


async def measure(target: Target, args: argparse.Namespace) -> dict[str, dict[str, Phase]]:
    """Open loop in alternating rounds, then closed loop, over one session per path."""
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
                phase = await open_loop(session, call, args.rate, args.requests, args.max_seconds)
                earlier = results["open"].get(path)
                results["open"][path] = earlier.merge(phase) if earlier else phase
        for path, session in sessions.items() if not failed else ():
            results["closed"][path] = await closed_loop(
                session, call, args.concurrency, args.closed_requests, args.max_seconds
            )
    if failed:  # raised outside the client's task groups, so it arrives unwrapped
        raise BenchmarkError(
            f"server {target.name}: the warm-up calls to echo failed, {failed}; the lab must "
            "approve echo and, if reused, allow the rate (lab up --rate-limit)"
        )
    return results


def machine() -> dict[str, Any]:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    haproxy = subprocess.run(["haproxy", "-v"], capture_output=True, text=True, check=False)
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "haproxy": " ".join(haproxy.stdout.split()[:3]) if haproxy.stdout else "unknown",
    }


def figures(phase: Phase) -> dict[str, Any]:
    return {
        "sent": phase.sent,
        "ok": phase.ok,
        "errors": dict(phase.errors),
        "http_errors": dict(phase.http_errors),
        "throughput_rps": round(phase.throughput, 2),
        "elapsed_s": round(phase.elapsed_s, 3),
        "client_cpu_s": round(phase.client_cpu_s, 3),
        **{f"p{q}_ms": _round(percentile(phase.latencies_ms, q / 100)) for q in (50, 95, 99)},
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _ms(value: float | None, sign: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.1f}" if sign else f"{value:.1f}"


def _added(server: dict[str, Any], q: int) -> float | None:
    direct, gateway = server["open"]["direct"][f"p{q}_ms"], server["open"]["gateway"][f"p{q}_ms"]
    return None if direct is None or gateway is None else gateway - direct


def _loads(values: list[float]) -> str:
    return " / ".join(f"{value:.1f}" for value in values)


def report(result: dict[str, Any]) -> str:
    """The two tables (markdown, ready for the README) and how they were measured."""
    settings, lines = result["settings"], []
    lines.append(
        f"open loop: {settings['rate']:g} req/s offered, {settings['rounds']} rounds x "
        f"{settings['requests']} calls per path, echo of {settings['payload_bytes']} bytes; "
        "latency in ms from each call's scheduled start"
    )
    lines.append("")
    lines.append(
        "| server | direct p50 / p95 / p99 | gateway p50 / p95 / p99 | added p50 / p95 "
        "| req/s direct / gateway | errors direct / gateway |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|")
    for server in result["servers"]:
        direct, gateway = server["open"]["direct"], server["open"]["gateway"]
        lines.append(
            f"| {server['name']} ({server['kind']}) "
            f"| {' / '.join(_ms(direct[f'p{q}_ms']) for q in (50, 95, 99))} "
            f"| {' / '.join(_ms(gateway[f'p{q}_ms']) for q in (50, 95, 99))} "
            f"| {_ms(_added(server, 50), True)} / {_ms(_added(server, 95), True)} "
            f"| {direct['throughput_rps']:.1f} / {gateway['throughput_rps']:.1f} "
            f"| {sum(direct['errors'].values())} / {sum(gateway['errors'].values())} |"
        )
    lines += ["", f"closed loop: {settings['concurrency']} concurrent callers, "
              f"{settings['closed_requests']} calls per path", ""]  # fmt: skip
    lines.append("| server | path | req/s | p50 / p95 ms | errors | client CPU |")
    lines.append("|---|---|---:|---:|---:|---:|")
    for server in result["servers"]:
        for path, phase in server["closed"].items():
            busy = phase["client_cpu_s"] / phase["elapsed_s"] if phase["elapsed_s"] else 0
            lines.append(
                f"| {server['name']} ({server['kind']}) | {path} | {phase['throughput_rps']:.1f} "
                f"| {_ms(phase['p50_ms'])} / {_ms(phase['p95_ms'])} "
                f"| {sum(phase['errors'].values())} | {busy:.0%} |"
            )
    errors = {
        f"{server['name']} {loop} {path}": {**phase["errors"], **phase["http_errors"]}
        for server in result["servers"]
        for loop in ("open", "closed")
        for path, phase in server[loop].items()
        if phase["errors"] or phase["http_errors"]
    }
    lines += ["", *(f"errors, {where}: {kinds}" for where, kinds in errors.items())]
    m = result["machine"]
    lines.append(
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}, "
        f"{m['system']}, {m['haproxy']}; load average (1/5/15 min) "
        f"{_loads(result['load_before'])} before, {_loads(result['load_after'])} after; lab {'started by this run' if result['lab_started'] else 'reused'}"
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> dict[str, Any]:
    load_before = [round(x, 2) for x in os.getloadavg()]
    servers = []
    with lab(args) as (state, started):
        processes = [p.model_dump() for p in state.processes] if started else []
        for name, kind in ((args.stateless, "stateless"), (args.stateful, "stateful")):
            measured = target(state, name, kind)
            phases = anyio.run(measure, measured, args)
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


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
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
