"""How long the offline review takes for 10, 100 and 300 servers, beside Pulumi's bare floor.

``python benchmarks/review.py`` (``make benchmark-review``) snapshots the project (the work
tree as it is, or ``--rev REF``) into a temporary directory, writes a prod-like stack there
per size (prod's own settings, the servers spread over every catalog entry and tenant prod
allows), and per size times, as a user runs them:

- render: ``python -m review prod --skip-policy --format json`` (render, plan, report);
- total: ``python -m review prod --format json`` (the same plus the policy pack over its
  analyzer protocol); policy = total - render;
- floor: ``benchmarks/review_floor.py`` replaying the very registrations the render recorded
  (same resources, inputs, parents, options) under Pulumi's mock runtime with nothing else;

and prints a table with the ratios, the machine, and the cached re-review: the full review
run again with nothing changed, from the review cache (``review/cache.py``) one review filled,
checked byte for byte against that review's JSON. The timed render and total runs pass
``--no-cache``, so they always render and analyze. A size the settings refuse (a quota) is reported with the
review's own message instead of figures. ``--profile N`` also profiles an N-server review
(cProfile of the render and of the analysis, the pack's side included) and prints the top.
Timed runs are outside the test suite; tests/benchmarks runs this script for 2 servers.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
PROJECT_DIR = HERE.parent
FLOOR = HERE / "review_floor.py"
PROFILE = HERE / "review_profile.py"
STACK = "prod"
AS_OF_VARIABLE = "MCP_FLEET_REVIEW_AS_OF"
CACHE_VARIABLE = "MCP_FLEET_REVIEW_CACHE"
SNAPSHOT_SKIP = {
    ".git",
    ".venv",
    "__pycache__",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".benchmarks",
}
SNAPSHOT_SKIP_AT_TOP = {"out", "build", "tools"}
"""Caches, environments and the vendored tools (hundreds of MB) a review never reads."""
PEAK_RPS = (40, 80, 120, 160)
"""Modest peaks, cycled, so every size plans a few replicas per server, as prod's do."""


@dataclass(frozen=True)
class Run:
    """One timed command: wall clock, and CPU seconds of it and every process it waited for
    (the render worker, the policy pack), which other work on the machine disturbs less."""

    wall_s: float
    cpu_s: float
    peak_mib: float = 0.0
    """The most memory the command's whole process tree held at once (resident, sampled
    every 0.1 s): the review, the render worker and the policy pack run side by side."""


@dataclass
class SizeResult:
    servers: int
    resources: int | None = None
    render: list[Run] = field(default_factory=list)
    total: list[Run] = field(default_factory=list)
    floor: list[Run] = field(default_factory=list)
    floor_detail: dict[str, Any] = field(default_factory=dict)
    cached: list[Run] = field(default_factory=list)
    cached_identical: bool | None = None
    """The cached re-review's JSON is byte-identical to the review that filled the cache."""
    uncached_identical: bool | None = None
    """Two uncached reviews (the timed one, the one that filled the cache) gave the same JSON."""
    policy_exit: int | None = None
    refused: str | None = None

    def best(self, step: str, clock: str) -> float | None:
        """The fastest run of ``step`` (render, total, policy, floor) by ``clock``."""
        if step == "policy":
            render, total = self.best("render", clock), self.best("total", clock)
            return None if render is None or total is None else total - render
        runs: list[Run] = getattr(self, step)  # render, total, floor or cached
        return min((getattr(run, clock) for run in runs), default=None)


def skipped(directory: str, names: list[str]) -> set[str]:
    at_top = Path(directory) == PROJECT_DIR
    return {n for n in names if n in SNAPSHOT_SKIP or (at_top and n in SNAPSHOT_SKIP_AT_TOP)}


def snapshot(destination: Path, rev: str | None) -> Path:
    """A copy of the project to benchmark: the work tree as it is, or git revision ``rev``."""
    if rev is None:
        shutil.copytree(PROJECT_DIR, destination, ignore=skipped, symlinks=True)
        return destination
    destination.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(PROJECT_DIR), "archive", rev], capture_output=True, check=False
    )
    if archive.returncode != 0:
        sys.exit(f"benchmarks/review.py: --rev {rev}: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive.stdout, check=True)
    return destination


def prod_placements(project: Path) -> list[tuple[str, str]]:
    """(catalog entry, tenant) pairs prod may run: entries promoted to prod, their tenants."""
    placements = []
    for path in sorted((project / "catalog" / "servers").glob("*.yaml")):
        entry = yaml.safe_load(path.read_text())
        if STACK in (entry.get("stages") or []):
            placements += [(entry["name"], tenant) for tenant in entry.get("tenants") or []]
    if not placements:
        sys.exit(f"benchmarks/review.py: no catalog entry in {project}/catalog is promoted to prod")
    return placements


def servers_for(count: int, placements: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """``count`` servers spread round-robin over the placements, each with its own name."""
    servers = []
    for index in range(count):
        catalog, tenant = placements[index % len(placements)]
        servers.append(
            {
                "catalog": catalog,
                "name": f"{catalog}-{index + 1:03d}",
                "tenant": tenant,
                "peakRps": PEAK_RPS[index % len(PEAK_RPS)],
            }
        )
    return servers


def write_stack(project: Path, base_stack: dict[str, Any], servers: list[dict[str, Any]]) -> None:
    """Prod's stack with ``servers``; each tenant's quota grown with the fleet (prod's quota
    per server of prod's own fleet), as an operator sizes it for a bigger fleet."""
    stack = copy.deepcopy(base_stack)
    config = stack["config"]
    growth = math.ceil(len(servers) / max(1, len(config.get("mcp-fleet:servers") or [])))
    for tenant in config.get("mcp-fleet:tenants") or []:
        quota = tenant.get("quota")
        if isinstance(quota, dict) and growth > 1:
            tenant["quota"] = {key: value * growth for key, value in quota.items()}
    config["mcp-fleet:servers"] = servers
    (project / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump(stack, sort_keys=False))


def newest_scan(project: Path) -> str:
    """The day the example catalog (servers and platform images) was last scanned: judged as
    of then, prod's 30-day scan policy passes however old the examples are (as the tests pin
    it)."""
    days = []
    catalog = project / "catalog"
    for path in [*catalog.glob("servers/*.yaml"), *catalog.glob("platform/*.yaml")]:
        scan = yaml.safe_load(path.read_text()).get("scan") or {}
        if scan.get("date"):
            days.append(str(scan["date"]))
    return max(days) if days else time.strftime("%Y-%m-%d")


PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_resident_bytes(root: int) -> int:
    """Resident memory of ``root`` and all its descendants now (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        pending += children.get(pid, [])
        with contextlib.suppress(OSError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    return total


def timed(
    command: list[str], cwd: Path, env: dict[str, str]
) -> tuple[Run, subprocess.CompletedProcess[str]]:
    """Run ``command`` alone (the CPU figure counts every child this process reaped), sampling
    the memory of its process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.1):
            peak = max(peak, tree_resident_bytes(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    completed = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    return Run(wall, cpu, peak / 2**20), completed


def review_command(output: Path, *, skip_policy: bool, cache: bool = False) -> list[str]:
    command = [sys.executable, "-m", "review", STACK, "--format", "json", "--output", str(output)]
    return command + (["--skip-policy"] if skip_policy else []) + ([] if cache else ["--no-cache"])


def failure(completed: subprocess.CompletedProcess[str]) -> str:
    return (completed.stderr.strip() or completed.stdout.strip())[-2000:]


def time_reviews(result: SizeResult, project: Path, work: Path, env: dict[str, str]) -> bool:
    """One render-only and one full review; False (and ``refused``) when the review refuses."""
    run, completed = timed(review_command(work / "render.json", skip_policy=True), project, env)
    if completed.returncode != 0:
        result.refused = failure(completed)
        return False
    result.render.append(run)
    run, completed = timed(review_command(work / "full.json", skip_policy=False), project, env)
    if completed.returncode not in (0, 1):  # 1: mandatory violations, a verdict like any other
        result.refused = f"with policy: {failure(completed)}"
        return False
    result.policy_exit = completed.returncode
    result.total.append(run)
    result.resources = json.loads((work / "full.json").read_text())["summary"]["total"]
    return True


def time_cached(
    result: SizeResult, project: Path, work: Path, env: dict[str, str], repeat: int
) -> None:
    """The same full review again, nothing changed: the first run (into an empty cache of its
    own) renders and analyzes, the timed ones after it read both from the cache."""
    cached_env = {**env, CACHE_VARIABLE: str(work / "review-cache")}
    filled, first = work / "cache-fill.json", work / "cached.json"
    _, completed = timed(review_command(filled, skip_policy=False, cache=True), project, cached_env)
    if completed.returncode not in (0, 1):
        sys.exit(f"benchmarks/review.py: filling the review cache failed:\n{failure(completed)}")
    result.uncached_identical = filled.read_bytes() == (work / "full.json").read_bytes()
    for _ in range(repeat):
        run, completed = timed(
            review_command(first, skip_policy=False, cache=True), project, cached_env
        )
        if completed.returncode not in (0, 1):
            sys.exit(f"benchmarks/review.py: the cached review failed:\n{failure(completed)}")
        result.cached.append(run)
        same = first.read_bytes() == filled.read_bytes()
        result.cached_identical = same and result.cached_identical is not False


def record_registrations(project: Path, work: Path, env: dict[str, str]) -> Path:
    """The render's records (what the program registered), for the floor to replay."""
    records = work / "records.json"
    command = [sys.executable, str(project / "review" / "render_worker.py")]
    command += ["--project-dir", str(project), "--stack", STACK, "--output", str(records)]
    _, completed = timed(command, project, env)
    if completed.returncode != 0:
        sys.exit(f"benchmarks/review.py: the render worker failed:\n{failure(completed)}")
    _, completed = timed([sys.executable, str(FLOOR), str(records), "--check"], project, env)
    checked = json.loads(completed.stdout) if completed.returncode == 0 else None
    if checked is None or checked["differences"]:
        found = failure(completed) if checked is None else "\n".join(checked["differences"][:20])
        sys.exit(f"benchmarks/review.py: the floor does not replay the render exactly:\n{found}")
    return records


def time_floor(result: SizeResult, records: Path, project: Path, env: dict[str, str]) -> None:
    run, completed = timed([sys.executable, str(FLOOR), str(records)], project, env)
    if completed.returncode != 0:
        sys.exit(f"benchmarks/review.py: the floor failed:\n{failure(completed)}")
    detail = json.loads(completed.stdout)
    if detail["registered"] != result.resources:
        sys.exit(
            f"benchmarks/review.py: the floor registered {detail['registered']} resources, "
            f"the review {result.resources}"
        )
    if not result.floor or run.wall_s < min(r.wall_s for r in result.floor):
        result.floor_detail = detail
    result.floor.append(run)


def measure_size(
    count: int, project: Path, work: Path, env: dict[str, str], repeat: int
) -> SizeResult:
    """Review times for ``count`` servers (the stack file is already written) and the floor."""
    result = SizeResult(servers=count)
    size_dir = work / f"servers-{count}"
    size_dir.mkdir()
    for _ in range(repeat):
        if not time_reviews(result, project, size_dir, env):
            return result
    time_cached(result, project, size_dir, env, repeat)
    records = record_registrations(project, size_dir, env)
    for _ in range(repeat):
        time_floor(result, records, project, env)
    return result


def machine() -> dict[str, Any]:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or not denominator:
        return "-"
    return f"{numerator / denominator:.1f}x"


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def table_rows(results: list[SizeResult], clock: str) -> list[list[str]]:
    rows = []
    for r in results:
        if r.refused:
            rows.append([str(r.servers), "refused", *["-"] * 6])
            continue
        render, policy, total, floor = (
            r.best(step, clock) for step in ("render", "policy", "total", "floor")
        )
        rows.append(
            [
                str(r.servers),
                str(r.resources),
                *(seconds(v) for v in (render, policy, total, floor)),
                ratio(total, floor),
                ratio(render, floor),
            ]
        )
    return rows


def print_table(title: str, rows: list[list[str]]) -> None:
    headers = ["servers", "resources", "render s", "policy s", "total s", "floor s"]
    headers += ["total/floor", "render/floor"]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    print(title)
    print(" | ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


def print_cached(results: list[SizeResult]) -> None:
    """The cached re-review per size, beside the uncached total it replaces."""
    for r in results:
        cached, total = r.best("cached", "wall_s"), r.best("total", "wall_s")
        if cached is None:
            continue
        identical = "byte-identical to" if r.cached_identical else "DIFFERENT from"
        uncached = "the same" if r.uncached_identical else "DIFFERENT"
        print(
            f"cached re-review, {r.servers} servers, nothing changed: {cached:.2f} s wall "
            f"(uncached {seconds(total)} s), JSON {identical} the review that filled the cache; "
            f"two uncached reviews' JSON: {uncached}"
        )


def print_report(results: list[SizeResult], about: dict[str, Any], repeat: int) -> None:
    fastest = f"fastest of {repeat}" if repeat > 1 else "one run each"
    print_table(f"wall clock ({fastest})", table_rows(results, "wall_s"))
    print()
    print_table(
        f"CPU, every process of the run ({fastest}; less disturbed by other work)",
        table_rows(results, "cpu_s"),
    )
    print()
    if any((r.best("policy", clock) or 0) < 0 for r in results for clock in ("wall_s", "cpu_s")):
        print(
            "a negative policy time: policy = total - render, from two runs that varied more "
            "than the policy step costs (a busy machine); rerun with --repeat 3"
        )
    print_cached(results)
    for r in results:
        if r.refused:
            print(f"{r.servers} servers refused:\n  " + r.refused.replace("\n", "\n  "))
        elif r.policy_exit == 1:
            print(f"{r.servers} servers: the policy pack reported mandatory violations (exit 1)")
        if r.total:
            peak = min(run.peak_mib for run in r.total)
            print(f"{r.servers} servers, whole review: peak memory {peak:.0f} MiB (process tree)")
        if r.floor_detail:
            print(
                f"{r.servers} servers, floor: {r.floor_detail['import_s']:.2f} s importing pulumi, "
                f"{r.floor_detail['register_s']:.2f} s registering"
            )
    print(
        f"machine: {about['cpu']}, {about['cores']} cores, {about['memory_gib']} GiB, "
        f"Python {about['python']}, {about['system']}; load average "
        f"{about['load_average']} before, {about['load_average_after']} after"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--servers", type=int, nargs="+", default=[10, 100, 300], help="stack sizes"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure; the fastest counts")
    parser.add_argument("--rev", help="benchmark this git revision instead of the work tree")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--profile", type=int, metavar="N", help="also profile an N-server review")
    parser.add_argument(
        "--profile-dir",
        type=Path,
        help="keep the profiles (render.prof, analyze.prof, pack.prof) here",
    )
    parser.add_argument(
        "--no-warm-up",
        dest="warm_up",
        action="store_false",
        help="skip the untimed first review (for a quick check, not for figures)",
    )
    parser.add_argument("--top", type=int, default=25, help="profile lines to print")
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.servers) or args.repeat < 1:
        parser.error("--servers and --repeat take numbers of at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    about = machine()
    with tempfile.TemporaryDirectory(prefix="mcp-fleet-review-bench-") as scratch:
        project = snapshot(Path(scratch) / "project", args.rev)
        work = Path(scratch) / "work"
        work.mkdir()
        base_stack = yaml.safe_load((project / f"Pulumi.{STACK}.yaml").read_text())
        placements = prod_placements(project)
        env = dict(os.environ)
        env.setdefault(AS_OF_VARIABLE, newest_scan(project))
        # As the make targets do: modules are compiled once and their bytecode kept, so
        # no size pays for compiling what an earlier one imported; the warm-up (prod as it
        # is, untimed) compiles them and warms the file cache before anything is timed.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if args.warm_up:
            print("warming up (prod as it is, untimed) ...", file=sys.stderr, flush=True)
            timed(review_command(work / "warm-up.json", skip_policy=False), project, env)
        results = []
        for count in args.servers:
            write_stack(project, base_stack, servers_for(count, placements))
            print(f"reviewing {count} servers ...", file=sys.stderr, flush=True)
            results.append(measure_size(count, project, work, env, args.repeat))
        about["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        print_report(results, about, args.repeat)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            document = {"machine": about, "sizes": [asdict(r) for r in results]}
            args.json.write_text(json.dumps(document, indent=2) + "\n")
        if args.profile:
            write_stack(project, base_stack, servers_for(args.profile, placements))
            command = [
                sys.executable,
                str(PROFILE),
                "--project-dir",
                str(project),
                "--stack",
                STACK,
            ]
            profile_dir = (args.profile_dir or work / "profile").resolve()
            command += ["--work-dir", str(profile_dir), "--top", str(args.top)]
            if subprocess.run(command, cwd=project, env=env, check=False).returncode != 0:
                sys.exit(f"benchmarks/review.py: profiling {args.profile} servers failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
