"""Where a review's time goes: cProfile of the render and of the policy analysis.

``python benchmarks/review_profile.py --project-dir DIR --stack STACK --work-dir OUT``
(``benchmarks/review.py --profile N`` runs it on an N-server stack) profiles, separately:

- render: ``review/render_worker.py`` (the program under Pulumi's mocks, the records it
  writes), profiled by ``profile_hook/sitecustomize.py``;
- analyze, review side: ``review.analyze.analyze_stack`` in this process (building the
  analyzer requests, the gRPC calls, reading the diagnostics);
- analyze, pack side: the policy pack process the review starts, profiled on every thread
  by ``profile_hook/sitecustomize.py`` (the policies run on gRPC worker threads).

Every profiler times by its thread's CPU clock (``time.thread_time``): the figures are CPU
seconds, undisturbed by other work on the machine, and waiting costs nothing. Writes
``render.prof``, ``analyze.prof`` and ``pack.prof`` (pstats files, for snakeviz or
``python -m pstats``) into the work directory and prints the top of each, by own time and
by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HOOK_DIR = Path(__file__).resolve().parent / "profile_hook"
PACK_PROFILE_WAIT_S = 60.0


IDLE = (
    "<built-in method time.sleep>",
    "<method 'get' of '_queue.SimpleQueue' objects>",
    "<method 'acquire' of '_thread.lock' objects>",
    "<built-in method select.poll>",
    "<method 'poll' of 'select.poll' objects>",
)
"""Threads waiting (the pack's main loop, idle gRPC workers, the review awaiting a reply):
reported as one line, kept out of the rankings so the work shows."""


def short(path: str) -> str:
    """A profile entry's file, from the package or project directory down."""
    for marker in ("site-packages/", "/lib/python3.11/", "/lib/python3.12/", "/lib/python3.13/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path.rsplit("/project/", 1)[-1]


def area(path: str) -> str:
    """Where a function lives: a package, the project's own code, the stdlib, or builtins."""
    if path == "~":
        return "builtins (C)"
    if "site-packages/" in path:
        return short(path).split("/", 1)[0].removesuffix(".py")
    if "/lib/python3." in path or path.startswith("<frozen"):
        module = short(path).split("/", 1)[0].removesuffix(".py")
        return f"stdlib {module}" if not path.startswith("<frozen") else "stdlib (frozen)"
    if "/project/" in path:
        return "project " + path.rsplit("/project/", 1)[-1].split("/", 1)[0]
    return "other"


def print_top(title: str, prof: Path, top: int) -> None:
    """Own time by area, then the top functions by own and by cumulative time."""
    stats = pstats.Stats(str(prof))
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    idle = sum(v[2] for (_, _, name), v in entries.items() if name in IDLE)
    busy = {key: value for key, value in entries.items() if key[2] not in IDLE}
    print(f"\n== {title}: {prof.name}; waiting {idle:.2f} s (sleeps, idle threads, replies)")
    by_area: dict[str, float] = {}
    for (path, _, _), (_, _, tottime, _, _) in busy.items():
        by_area[area(path)] = by_area.get(area(path), 0.0) + tottime
    busy_total = sum(by_area.values())
    print(f"-- own time by area, {busy_total:.2f} s busy")
    for name, seconds in sorted(by_area.items(), key=lambda item: item[1], reverse=True)[:12]:
        print(f"{seconds:8.2f}  {100 * seconds / busy_total:5.1f} %  {name}")
    for label, column in (("own time", 2), ("cumulative", 3)):
        print(f"-- top {top} by {label}")
        print(f"{'tottime':>8} {'cumtime':>8} {'calls':>9}  function")
        ranked = sorted(busy.items(), key=lambda item: item[1][column], reverse=True)
        for (path, line, name), (_, calls, tottime, cumtime, _) in ranked[:top]:
            print(f"{tottime:8.2f} {cumtime:8.2f} {calls:9d}  {name} ({short(path)}:{line})")


def hooked(environment: dict[str, str], profile_out: Path) -> dict[str, str]:
    """``environment`` with the profiling hook on the path, writing to ``profile_out``."""
    path = [str(HOOK_DIR), *filter(None, [environment.get("PYTHONPATH")])]
    return environment | {
        "MCP_FLEET_PROFILE_OUT": str(profile_out),
        "PYTHONPATH": os.pathsep.join(path),
    }


def profile_render(project: Path, stack: str, work: Path) -> Path:
    records = work / "records.json"
    command = [sys.executable, str(project / "review" / "render_worker.py")]
    command += ["--project-dir", str(project), "--stack", stack, "--output", str(records)]
    start = time.perf_counter()
    env = hooked(dict(os.environ), work / "render.prof")
    completed = subprocess.run(command, cwd=project, env=env, check=False)
    print(f"render (profiled): {time.perf_counter() - start:.2f} s wall", file=sys.stderr)
    if completed.returncode != 0:
        sys.exit("review_profile.py: the profiled render failed")
    return records


def profile_analyze(project: Path, stack: str, records: Path, work: Path) -> None:
    sys.path.insert(0, str(project))  # the project's review package, not benchmarks/review.py
    from review.analyze import analyze_stack, stack_config_of
    from review.render import RenderedStack

    recorded = json.loads(records.read_text())
    rendered = RenderedStack(
        recorded["project"],
        recorded["stack"],
        recorded["resources"],
        recorded.get("root") or {},
        dict(recorded.get("config") or {}),
        tuple(recorded.get("secretKeys") or ()),
    )
    stack_config = stack_config_of(rendered, project)
    config_file = project / "policy" / "config" / f"{stack}.json"
    pack_prof = work / "pack.prof"
    plain = dict(os.environ)
    os.environ.update(hooked(plain, pack_prof))  # the pack inherits the review's environment
    profile = cProfile.Profile(time.thread_time)
    start = time.perf_counter()
    try:
        profile.enable()
        report = analyze_stack(rendered, stack_config, project / "policy", config_file)
        profile.disable()
    finally:
        os.environ.clear()
        os.environ.update(plain)
    print(
        f"analyze (profiled): {time.perf_counter() - start:.2f} s wall, "
        f"{len(report.diagnostics)} diagnostics",
        file=sys.stderr,
    )
    profile.dump_stats(str(work / "analyze.prof"))
    deadline = time.monotonic() + PACK_PROFILE_WAIT_S
    while not pack_prof.exists() and time.monotonic() < deadline:
        time.sleep(0.1)  # the pack writes its profile as it stops, after the review moved on
    if not pack_prof.exists():
        sys.exit("review_profile.py: the policy pack wrote no profile")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project-dir", type=Path, required=True)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    project, work = args.project_dir.resolve(), args.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    records = profile_render(project, args.stack, work)
    profile_analyze(project, args.stack, records, work)
    print_top("render", work / "render.prof", args.top)
    print_top("analyze, review side", work / "analyze.prof", args.top)
    print_top("analyze, pack side (all threads)", work / "pack.prof", args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
