"""Benchmark: ``ops backup`` and ``ops restore`` against the operate guide's pipeline.

Starts a throwaway PostgreSQL cluster and moto_server on loopback, fills a database to
``--size-gb`` (default 1 GiB of random text rows), then measures, against the same S3
endpoint, in one run:

- ``ops backup`` with default options: an uncompressed custom-format pg_dump streamed
  through zstd into a parallel multipart upload;
- the guide's pipeline: ``pg_dump $DATABASE_URL > database.sql`` (plain SQL, as the guide
  writes it) to a file, then ``upload_file`` of that file with boto3 (the backup goal:
  ``ops backup`` at most 0.6x its wall time, with no extra disk);
- the same pipeline with ``--format=custom`` (what the guide's restore needs);
- ``ops restore`` of the default backup into a fresh database;
- the guide's restore: ``download_file`` of that custom dump, then ``pg_restore
  --single-transaction`` into a fresh database (the restore goal: ``ops restore`` at most
  1.0x its wall time);
- the floors that explain the figures: ``pg_dump --compress=0`` to /dev/null (how fast
  the server can produce the dump) and ``pg_restore`` of a local file (how fast it can
  load one).

For each: wall time, bytes stored, peak extra disk (largest total size of files in the
run's scratch directory, sampled every 100 ms in a thread; ``ops`` runs with TMPDIR there,
so any temporary file it made would count), the drop in free space of that filesystem
(noisy when other work shares the machine) and peak RSS of the child processes.

Run it (outside the test suite) from the repository root:

    uv run python benchmarks/backup.py --size-gb 1 --json out/backup-benchmark.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import boto3  # noqa: E402
from boto3.s3.transfer import TransferConfig  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from tests.ops.ops_servers import PostgresServer, moto_server, postgres_server  # noqa: E402

GiB = 1024**3
MiB = 1024**2
RTO_SECONDS = 30 * 60
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class Measurement:
    name: str
    wall_seconds: float = 0.0
    stored_bytes: int = 0
    peak_extra_disk_bytes: int = 0
    free_space_drop_bytes: int = 0
    peak_rss_bytes: int = 0
    read_bytes: int = 0
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # client, S3 server, database
    notes: str = ""
    phases: dict[str, float] = field(default_factory=dict)


class DiskSampler:
    """Peak total size of files under ``root`` and peak drop of the filesystem's free space."""

    def __init__(self, root: Path, interval: float = 0.1) -> None:
        self.root = root
        self.interval = interval
        self.peak_files = 0
        self.peak_drop = 0
        self._free_at_start = shutil.disk_usage(root).free
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _files_size(self) -> int:
        total = 0
        for current, _, files in os.walk(self.root):
            for name in files:
                with contextlib.suppress(FileNotFoundError):
                    total += os.lstat(os.path.join(current, name)).st_size
        return total

    def _sample(self) -> None:
        self.peak_files = max(self.peak_files, self._files_size())
        self.peak_drop = max(
            self.peak_drop, self._free_at_start - shutil.disk_usage(self.root).free
        )

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> DiskSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def run_child(
    argv: list[str], env: dict[str, str], stdout: Any = subprocess.PIPE
) -> tuple[int, bytes, bytes, int]:
    """Run a child; return (status, stdout, stderr, peak RSS in bytes) via wait4."""
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen(argv, env=env, stdout=stdout, stderr=err)
        out = b""
        if stdout is subprocess.PIPE:
            assert process.stdout is not None
            out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return process.returncode, out, err.read(), usage.ru_maxrss * 1024


def fill_database(pg: PostgresServer, db: str, size_gb: float, console: Console) -> int:
    """Random text rows (~1 KiB each) until the database reaches ``size_gb``."""
    pg.psql(
        db,
        "CREATE TABLE events (id bigint PRIMARY KEY, tenant int, created timestamptz, "
        "payload text)",
    )
    target = int(size_gb * GiB)
    batch, start = 100_000, 1
    while True:
        size = int(pg.psql(db, "SELECT pg_database_size(current_database())"))
        console.print(f"  database size {size / GiB:.2f} GiB", end="\r")
        if size >= target:
            console.print()
            return size
        rows = max(1000, min(batch, int((target - size) / 1100) + 1000))
        pg.psql(
            db,
            f"""
            INSERT INTO events
            SELECT g, g % 97, now() - (g % 86400) * interval '1 second',
                   (SELECT string_agg(md5(random()::text || g || i), ' ') FROM generate_series(1, 28) i)
            FROM generate_series({start}, {start + rows - 1}) AS g""",
        )
        start += rows


WATCHED: dict[str, int] = {}  # "S3 server" / "database" -> pid, for the CPU profile
TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds of a process and of its reaped children (PostgreSQL's backends)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / TICKS  # utime stime cutime cstime


def client_cpu() -> float:
    """This process and its reaped children (the ops runs, pg_dump, pg_restore)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cpu_snapshot() -> dict[str, float]:
    return {"client": client_cpu(), **{name: process_cpu(pid) for name, pid in WATCHED.items()}}


def measure(name: str, scratch: Path, action: Callable[[Measurement], None]) -> Measurement:
    result = Measurement(name=name)
    scratch.mkdir(parents=True, exist_ok=True)
    with DiskSampler(scratch) as sampler:
        before = cpu_snapshot()
        began = time.monotonic()
        action(result)
        result.wall_seconds = time.monotonic() - began
        after = cpu_snapshot()
        result.cpu_seconds = {k: round(after[k] - before[k], 1) for k in after}
    result.peak_extra_disk_bytes = sampler.peak_files
    result.free_space_drop_bytes = max(sampler.peak_drop, 0)
    shutil.rmtree(scratch, ignore_errors=True)
    return result


def floors(
    pg: PostgresServer, db: str, work: Path, env: dict[str, str], console: Console
) -> list[Measurement]:
    """What the server alone needs: dumping to /dev/null, restoring a local file."""
    found = []

    def dump_only(m: Measurement) -> None:
        with open(os.devnull, "wb") as sink:
            code, _, err, rss = run_child(
                [str(pg.bindir / "pg_dump"), "--format=custom", "--compress=0", pg.url(db)],
                env,
                stdout=sink,
            )
        if code != 0:
            raise SystemExit(f"pg_dump failed: {err.decode()}")
        m.peak_rss_bytes = rss
        m.notes = "floor: how fast the server produces the uncompressed dump"

    console.print("floor: pg_dump -Z0 > /dev/null ...")
    found.append(measure("floor: pg_dump --compress=0 > /dev/null", work / "f1", dump_only))

    def restore_only(m: Measurement) -> None:
        scratch = work / "f2"
        dump = scratch / "local.dump"
        with dump.open("wb") as handle:
            run_child(
                [str(pg.bindir / "pg_dump"), "--format=custom", "--compress=0", pg.url(db)],
                env,
                stdout=handle,
            )
        target = pg.create_database("floor")
        began = time.monotonic()
        code, _, err, rss = run_child(
            [
                str(pg.bindir / "pg_restore"),
                "--single-transaction",
                "--no-owner",
                f"--dbname={pg.url(target)}",
                str(dump),
            ],
            env,
        )
        if code != 0:
            raise SystemExit(f"pg_restore failed: {err.decode()}")
        m.phases["pg_restore"] = time.monotonic() - began
        m.peak_rss_bytes = rss
        m.notes = "floor: pg_restore of a local uncompressed dump (dump time excluded)"

    console.print("floor: pg_restore of a local file ...")
    found.append(measure("floor: pg_restore of a local file", work / "f2", restore_only))
    found[-1].wall_seconds = found[-1].phases["pg_restore"]
    return found


def goals(results: list[Measurement]) -> dict[str, Any]:
    """The issue's goals: backup <= 0.6x the guide's plain pipeline, restore <= 1.0x."""
    by_name = {m.name: m for m in results}
    backup = by_name["ops backup (default)"]
    guide = by_name["guide: pg_dump > database.sql + upload_file"]
    restore = by_name["ops restore into a fresh database"]
    guide_restore = by_name["guide restore: download_file + pg_restore"]
    return {
        "backup_ratio_to_guide": round(backup.wall_seconds / guide.wall_seconds, 3),
        "backup_goal": 0.6,
        "backup_extra_disk_bytes": backup.peak_extra_disk_bytes,
        "restore_ratio_to_guide": round(restore.wall_seconds / guide_restore.wall_seconds, 3),
        "restore_goal": 1.0,
        "restore_extra_disk_bytes": restore.peak_extra_disk_bytes,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-gb", type=float, default=1.0, help="database size (GiB)")
    parser.add_argument("--part-size", type=int, default=8, help="ops multipart part size (MiB)")
    parser.add_argument(
        "--skip-floors", action="store_true", help="skip the dump/restore floor measurements"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=Path("out/backup-benchmark.json"),
        help="where to write the results",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="where the cluster and scratch files live (default: temp dir)",
    )
    args = parser.parse_args()
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=200)

    work = Path(tempfile.mkdtemp(prefix="ops-bench-", dir=args.work_dir))
    os.chmod(work, 0o711)  # the cluster runs as an unprivileged user: let it traverse
    env = {**os.environ, **AWS_ENV}
    env.pop("AWS_PROFILE", None)
    results: list[Measurement] = []
    try:
        # moto spools object bodies to temp files: keep them on tmpfs when there is one, so
        # the free-space figures show the client's disk use, not the fake S3's storage
        store = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        with postgres_server(base=work) as pg, moto_server(tmpdir=store) as moto:
            s3 = boto3.client(
                "s3",
                endpoint_url=moto.endpoint,
                region_name="us-east-1",
                aws_access_key_id="bench",
                aws_secret_access_key="bench",
            )
            s3.create_bucket(Bucket="bench")
            WATCHED["S3 server"] = moto.process.pid
            postmaster = (pg.root / "data" / "postmaster.pid").read_text().split()[0]
            WATCHED["database"] = int(postmaster)
            db = pg.create_database("bench")
            console.print(f"filling {args.size_gb} GiB of random text ...")
            filled = time.monotonic()
            db_size = fill_database(pg, db, args.size_gb, console)
            fill_seconds = time.monotonic() - filled
            pg_dump = str(pg.bindir / "pg_dump")

            def ops_backup(prefix: str, *extra: str) -> Callable[[Measurement], None]:
                def action(m: Measurement) -> None:
                    scratch = work / f"scratch-{prefix}"
                    code, out, err, rss = run_child(
                        [
                            sys.executable,
                            "-m",
                            "ops",
                            "backup",
                            "--postgres",
                            pg.url(db),
                            "--bucket",
                            "bench",
                            "--prefix",
                            prefix,
                            "--endpoint-url",
                            moto.endpoint,
                            "--part-size",
                            str(args.part_size),
                            "--json",
                            *extra,
                        ],
                        {**env, "TMPDIR": str(scratch)},
                    )
                    if code != 0:
                        raise SystemExit(f"ops backup failed: {err.decode()}")
                    manifest = json.loads(out)
                    entry = manifest["sources"]["postgres"]
                    m.stored_bytes = entry["size"]
                    m.read_bytes = entry.get("source_bytes") or entry["size"]
                    m.peak_rss_bytes = rss
                    m.notes = (
                        f"read {m.read_bytes / MiB:,.0f} MiB from pg_dump, uploaded "
                        f"{m.stored_bytes / MiB:,.0f} MiB (ratio {m.stored_bytes / m.read_bytes:.2f}), "
                        f"{entry['details']['parts']} parts of {args.part_size} MiB, "
                        f"{entry['format']}"
                    )

                return action

            def guide(fmt: str, filename: str) -> Callable[[Measurement], None]:
                def action(m: Measurement) -> None:
                    scratch = work / f"scratch-{fmt}"
                    dump = scratch / filename
                    began = time.monotonic()
                    with dump.open("wb") as handle:
                        code, _, err, rss = run_child(
                            [pg_dump, f"--format={fmt}", f"--dbname={pg.url(db)}"],
                            env,
                            stdout=handle,
                        )
                    if code != 0:
                        raise SystemExit(f"pg_dump failed: {err.decode()}")
                    m.phases["dump"] = time.monotonic() - began
                    began = time.monotonic()
                    s3.upload_file(
                        str(dump),
                        "bench",
                        f"guide/{filename}",
                        Config=TransferConfig(multipart_chunksize=8 * MiB),
                    )
                    m.phases["upload"] = time.monotonic() - began
                    m.stored_bytes = dump.stat().st_size
                    m.peak_rss_bytes = rss
                    m.notes = f"pg_dump --format={fmt} to {filename}, then boto3 upload_file"

                return action

            console.print("ops backup (default options) ...")
            results.append(measure("ops backup (default)", work / "scratch-ops", ops_backup("ops")))
            console.print("guide pipeline, plain SQL as written ...")
            results.append(
                measure(
                    "guide: pg_dump > database.sql + upload_file",
                    work / "scratch-plain",
                    guide("plain", "database.sql"),
                )
            )
            console.print("guide pipeline, custom format ...")
            results.append(
                measure(
                    "guide: pg_dump -Fc > file + upload_file",
                    work / "scratch-custom",
                    guide("custom", "database.dump"),
                )
            )

            def ops_restore(m: Measurement) -> None:
                target = pg.create_database("restored")
                scratch = work / "scratch-restore"
                code, out, err, rss = run_child(
                    [
                        sys.executable,
                        "-m",
                        "ops",
                        "restore",
                        "--postgres",
                        pg.url(target),
                        "--bucket",
                        "bench",
                        "--prefix",
                        "ops",
                        "--endpoint-url",
                        moto.endpoint,
                        "--json",
                        "--work-dir",
                        str(scratch),
                    ],
                    {**env, "TMPDIR": str(scratch)},
                )
                if code not in (0, 3):
                    raise SystemExit(f"ops restore failed: {err.decode()}")
                report = json.loads(out)
                rto = next(o for o in report["objectives"] if o["name"] == "RTO")
                m.peak_rss_bytes = rss
                m.phases["rto_reported"] = rto["achieved_seconds"]
                m.stored_bytes = results[0].stored_bytes
                rows = pg.psql(target, "SELECT count(*) FROM events")
                m.notes = (
                    f"streamed from S3 through sha256 + zstd into pg_restore "
                    f"--single-transaction, committed after verification; {rows} rows; "
                    f"RTO objective {'met' if rto['met'] else 'MISSED'}"
                )

            def guide_restore(m: Measurement) -> None:
                target = pg.create_database("guide_restored")
                scratch = work / "scratch-guide-restore"
                dump = scratch / "database.dump"
                began = time.monotonic()
                s3.download_file(
                    "bench",
                    "guide/database.dump",
                    str(dump),
                    Config=TransferConfig(multipart_chunksize=8 * MiB),
                )
                m.phases["download"] = time.monotonic() - began
                began = time.monotonic()
                code, _, err, rss = run_child(
                    [
                        str(pg.bindir / "pg_restore"),
                        "--single-transaction",
                        "--exit-on-error",
                        "--no-owner",
                        f"--dbname={pg.url(target)}",
                        str(dump),
                    ],
                    env,
                )
                if code != 0:
                    raise SystemExit(f"pg_restore failed: {err.decode()}")
                m.phases["pg_restore"] = time.monotonic() - began
                m.stored_bytes = dump.stat().st_size
                m.peak_rss_bytes = rss
                m.notes = "boto3 download_file of the custom dump, then pg_restore of the file"

            console.print("ops restore ...")
            results.append(
                measure("ops restore into a fresh database", work / "scratch-restore", ops_restore)
            )
            console.print("guide restore: download_file, then pg_restore ...")
            results.append(
                measure(
                    "guide restore: download_file + pg_restore",
                    work / "scratch-guide-restore",
                    guide_restore,
                )
            )
            if not args.skip_floors:
                results += floors(pg, db, work, env, console)
            pg_version = pg.psql("postgres", "SHOW server_version")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    table = Table(
        title=f"Backup benchmark: {db_size / GiB:.2f} GiB database (filled in {fill_seconds:.0f}s)"
    )
    for column in (
        "Run",
        "Wall",
        "Read",
        "Stored",
        "Peak extra disk",
        "Free-space drop",
        "Peak RSS",
        "CPU s (client/S3/db)",
        "Notes",
    ):
        table.add_column(column, overflow="fold")
    for m in results:
        phases = ", ".join(f"{k} {v:.1f}s" for k, v in m.phases.items())
        table.add_row(
            m.name,
            f"{m.wall_seconds:.1f}s",
            f"{m.read_bytes / MiB:,.0f} MiB" if m.read_bytes else "",
            f"{m.stored_bytes / MiB:,.0f} MiB",
            f"{m.peak_extra_disk_bytes / MiB:,.0f} MiB",
            f"{m.free_space_drop_bytes / MiB:,.0f} MiB",
            f"{m.peak_rss_bytes / MiB:,.0f} MiB",
            "/".join(f"{v:.1f}" for v in m.cpu_seconds.values()),
            m.notes + (f" ({phases})" if phases else ""),
        )
    console.print(table)
    verdict = goals(results)
    for what in ("backup", "restore"):
        share, goal = verdict[f"{what}_ratio_to_guide"], verdict[f"{what}_goal"]
        extra = verdict[f"{what}_extra_disk_bytes"] / MiB
        console.print(
            f"ops {what}: {share:.2f}x the guide's wall time (goal <= {goal}x: "
            f"{'met' if share <= goal else 'MISSED'}), peak extra disk {extra:,.0f} MiB"
        )
    load = os.getloadavg()
    console.print(f"load average during the run: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "size_gb_requested": args.size_gb,
                "database_bytes": db_size,
                "fill_seconds": round(fill_seconds, 1),
                "postgres": pg_version,
                "cpus": os.cpu_count(),
                "part_size_mib": args.part_size,
                "rto_seconds": RTO_SECONDS,
                "goals": verdict,
                "load_average_at_end": os.getloadavg(),
                "results": [asdict(m) for m in results],
            },
            indent=2,
        )
        + "\n"
    )
    console.print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
