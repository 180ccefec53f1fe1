"""benchmarks/review.py still runs end to end: a 2-server stack, its review and its floor.

No timing is judged (speed goals live in the benchmark, not the suite); what is checked is
that the harness measures what it claims: both review runs happen, the floor replays exactly
the resources the review rendered (the script's own --check compares every registration),
the cached re-review is timed and its JSON matches the review that filled the cache byte for
byte, and the report prints that real figure.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "review.py"


@pytest.mark.benchmark_harness
def test_review_benchmark_runs_for_two_servers(tmp_path: Path) -> None:
    results = tmp_path / "review-benchmark.json"
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--servers", "2", "--no-warm-up", "--json", str(results)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]

    (size,) = json.loads(results.read_text())["sizes"]
    assert size["servers"] == 2
    assert size["refused"] is None
    assert size["policy_exit"] == 0
    # Two servers still bring the platform: load balancer, buckets, dashboards, backups.
    assert size["resources"] > 2 * 20
    assert size["floor_detail"]["registered"] == size["resources"]
    for step in ("render", "total", "floor", "cached"):
        (run,) = size[step]
        assert run["wall_s"] > 0
        assert run["cpu_s"] > 0

    report = completed.stdout
    assert "total/floor" in report
    assert f"      2 | {size['resources']:>9} |" in report
    assert size["cached_identical"] is True
    assert size["uncached_identical"] is True, "two uncached reviews gave different JSON"
    (total,) = size["total"]
    assert total["peak_mib"] > 20, "the review's process tree was sampled"
    (cached,) = size["cached"]
    assert f"cached re-review, 2 servers, nothing changed: {cached['wall_s']:.2f} s wall" in report
    assert "JSON byte-identical to the review that filled the cache" in report
    assert "two uncached reviews' JSON: the same" in report
    assert f"2 servers, whole review: peak memory {total['peak_mib']:.0f} MiB" in report
    assert "machine: " in report


@pytest.mark.benchmark_harness
def test_review_benchmark_refuses_nonsense_sizes() -> None:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--servers", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert "--servers and --repeat take numbers of at least 1" in completed.stderr
    assert "Traceback" not in completed.stderr
