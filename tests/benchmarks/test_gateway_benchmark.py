"""benchmarks/gateway.py still runs end to end against the real lab, at a tiny size.

No timing is judged (speed goals live in the benchmark, not the suite). What is checked is
that the harness measures what it claims: every call of every phase is accounted for (sent
= answered + failed), a failure is counted by its kind and never timed, the lab it started
is stopped, and a lab it only reused is left running.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lab.processes import is_running
from lab.state import StartedProcess
from tests.gateway.haproxy import haproxy_or_skip
from tests.lab.running_lab import start_lab, stop_lab

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "gateway.py"
TINY = ["--rate", "20", "--requests", "6", "--rounds", "2", "--warm-up", "2"]
TINY += ["--concurrency", "2", "--closed-requests", "6", "--timeout", "20"]
pytestmark = [pytest.mark.integration, pytest.mark.benchmark_harness]


def run_benchmark(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )


def phases(result: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (server["name"], loop, path, phase)
        for server in result["servers"]
        for loop in ("open", "closed")
        for path, phase in server[loop].items()
    ]


def test_gateway_benchmark_measures_both_paths_and_stops_its_lab(tmp_path: Path) -> None:
    haproxy_or_skip()
    output = tmp_path / "gateway-benchmark.json"
    completed = run_benchmark(*TINY, "--json", str(output))
    assert completed.returncode == 0, completed.stderr[-3000:]

    result = json.loads(output.read_text())
    assert [(s["name"], s["kind"]) for s in result["servers"]] == [
        ("github", "stateless"),
        ("postgres-query", "stateful"),
    ]
    measured = phases(result)
    assert len(measured) == 8  # 2 servers x open/closed x direct/gateway
    for name, loop, _path, phase in measured:
        assert phase["sent"] == (12 if loop == "open" else 6), (name, loop)
        assert phase["ok"] == phase["sent"] and phase["errors"] == {}, phase
        assert phase["http_errors"] == {}, phase
        assert 0 < phase["p50_ms"] <= phase["p95_ms"] <= phase["p99_ms"]
        assert phase["throughput_rps"] > 0
        assert set(phase["lab_cpu_s"]) == {"alb", "gateway", "servers"}
        assert min(phase["lab_cpu_s"].values()) >= 0
    for server in result["servers"]:
        # Open loop offers 20 req/s; no path is credited with more than it was offered.
        for phase in server["open"].values():
            assert phase["throughput_rps"] <= 20.0 + 0.01

    assert result["lab_started"] is True
    started = [StartedProcess.model_validate(process) for process in result["lab_processes"]]
    assert {process.name for process in started} >= {"alb", "gw0", "gw1", "github-r0"}
    assert [process.name for process in started if is_running(process)] == []

    report = completed.stdout
    assert "| github (stateless) |" in report
    assert "CPU per answered call" in report
    assert "| postgres-query (stateful) | gateway |" in report
    assert "machine: " in report and "lab started by this run" in report


def test_gateway_benchmark_counts_refusals_and_leaves_a_reused_lab_running(
    tmp_path: Path,
) -> None:
    """A lab whose tenants may send 6 requests a second: most gateway calls get 429."""
    haproxy_or_skip()
    lab = start_lab(
        tmp_path / "lab", "--server", "github", "--server", "postgres-query", "--rate-limit", "6"
    )
    try:
        output = tmp_path / "gateway-benchmark.json"
        completed = run_benchmark(
            "--state-dir", str(lab.state_dir), "--warm-up", "0", "--rate", "60",
            "--requests", "30", "--rounds", "1", "--concurrency", "2",
            "--closed-requests", "4", "--json", str(output),
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr[-3000:]
        result = json.loads(output.read_text())
        assert result["lab_started"] is False and result["lab_processes"] == []
        for name, loop, path, phase in phases(result):
            failed = sum(phase["errors"].values())
            assert phase["ok"] + failed == phase["sent"], (name, loop, path)
            if path == "direct":
                assert failed == 0, phase
            elif loop == "open":
                assert failed > 0, phase  # 30 calls in half a second against 6 per second
                assert phase["http_errors"] == {"HTTP 429": failed}, phase
        assert "errors, github open gateway: " in completed.stdout
        assert "lab reused" in completed.stdout
        assert all(is_running(process) for process in lab.state().processes)
    finally:
        stop_lab(lab)


def test_gateway_benchmark_without_a_lab_is_one_line_and_exit_2(tmp_path: Path) -> None:
    completed = run_benchmark("--state-dir", str(tmp_path / "nothing"))
    assert completed.returncode == 2
    assert completed.stderr.strip().count("\n") == 0, completed.stderr
    assert "no lab runs here" in completed.stderr
    assert "Traceback" not in completed.stderr
