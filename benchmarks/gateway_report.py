"""The gateway benchmark's figures: per-phase numbers, the tables it prints, the machine."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.gateway_load import Phase, percentile
from benchmarks.lab_cpu import ROLES


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
        "lab_cpu_s": {role: round(seconds, 3) for role, seconds in phase.lab_cpu_s.items()},
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


def _cpu_per_call_us(phase: dict[str, Any], role: str) -> float | None:
    seconds = phase["lab_cpu_s"].get(role)
    return None if seconds is None or not phase["ok"] else seconds / phase["ok"] * 1e6


def _us(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _open_table(result: dict[str, Any]) -> list[str]:
    settings = result["settings"]
    lines = [
        f"open loop: {settings['rate']:g} req/s offered, {settings['rounds']} rounds x "
        f"{settings['requests']} calls per path (direct and gateway alternating), echo of "
        f"{settings['payload_bytes']} bytes; latency in ms from each call's scheduled start",
        "",
        "| server | direct p50 / p95 / p99 | gateway p50 / p95 / p99 | added p50 / p95 "
        "| req/s direct / gateway | errors direct / gateway |",
        "|---|---:|---:|---:|---:|---:|",
    ]
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
    return lines


def _cpu_table(result: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "CPU per answered call, open loop, in µs (from /proc; the clock tick is 10 ms)",
        "",
        "| server | path | ALB stand-in | gateway replicas | server replicas |",
        "|---|---|---:|---:|---:|",
    ]
    for server in result["servers"]:
        for path, phase in server["open"].items():
            spent = " | ".join(_us(_cpu_per_call_us(phase, role)) for role in ROLES)
            lines.append(f"| {server['name']} ({server['kind']}) | {path} | {spent} |")
    lines.append(
        "(on the direct path the HAProxy processes only run their health checks: that is "
        "their idle background, to subtract from the gateway path's figures)"
    )
    return lines


def _closed_table(result: dict[str, Any]) -> list[str]:
    settings = result["settings"]
    lines = [
        "",
        f"closed loop: {settings['concurrency']} concurrent callers, "
        f"{settings['closed_requests']} calls per path",
        "",
        "| server | path | req/s | p50 / p95 ms | errors | client CPU |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for server in result["servers"]:
        for path, phase in server["closed"].items():
            busy = phase["client_cpu_s"] / phase["elapsed_s"] if phase["elapsed_s"] else 0
            lines.append(
                f"| {server['name']} ({server['kind']}) | {path} | {phase['throughput_rps']:.1f} "
                f"| {_ms(phase['p50_ms'])} / {_ms(phase['p95_ms'])} "
                f"| {sum(phase['errors'].values())} | {busy:.0%} |"
            )
    lines.append(
        "(through the gateway a stateless server's calls spread over both its replicas, "
        "directly they reach r0 alone; a stateful session stays on one replica either way)"
    )
    return lines


def _footer(result: dict[str, Any]) -> list[str]:
    errors = {
        f"{server['name']} {loop} {path}": {**phase["errors"], **phase["http_errors"]}
        for server in result["servers"]
        for loop in ("open", "closed")
        for path, phase in server[loop].items()
        if phase["errors"] or phase["http_errors"]
    }
    m = result["machine"]
    origin = "started by this run" if result["lab_started"] else "reused"
    return [
        "",
        *(f"errors, {where}: {kinds}" for where, kinds in errors.items()),
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}, "
        f"{m['system']}, {m['haproxy']}; load average (1/5/15 min) "
        f"{_loads(result['load_before'])} before, {_loads(result['load_after'])} after; "
        f"lab {origin}",
    ]


def report(result: dict[str, Any]) -> str:
    """The tables (markdown, ready for the README), any errors, and the machine."""
    return "\n".join(
        _open_table(result) + _cpu_table(result) + _closed_table(result) + _footer(result)
    )
