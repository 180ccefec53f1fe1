"""Render results for people (rich tables on stdout) and for machines (``--json``)."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ops.drill import DrillReport
from ops.manifest import Manifest
from ops.objectives import ObjectiveResult, format_duration
from ops.restore import RestoreReport


def stdout() -> Console:
    """Terminal width on a terminal; wide enough for whole keys in logs and pipes."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=160)
    return console


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=False, default=str))


def objectives_table(results: list[ObjectiveResult]) -> Table:
    table = Table(title="Recovery objectives")
    for column in ("Objective", "Achieved", "Target", "Result"):
        table.add_column(column)
    for result in results:
        table.add_row(
            result.name,
            format_duration(result.achieved),
            format_duration(result.objective),
            "[green]met[/]" if result.met else "[red]MISSED[/]",
        )
    return table


def show_backup(manifest: Manifest, console: Console) -> None:
    table = Table(title=f"Backup {manifest.backup_id}")
    for column in ("Source", "Object", "Read", "Uploaded", "Ratio", "SHA-256"):
        table.add_column(column, overflow="fold")
    for name, entry in manifest.sources.items():
        table.add_row(
            name,
            Text(entry.key),
            f"{entry.read_bytes:,}",
            f"{entry.size:,}",
            f"{entry.size / entry.read_bytes:.2f}" if entry.read_bytes else "-",
            entry.sha256[:16] + "...",
        )
    console.print(table)
    took = format_duration(manifest.finished_at - manifest.started_at)
    read = sum(entry.read_bytes for entry in manifest.sources.values())
    uploaded = sum(entry.size for entry in manifest.sources.values())
    share = f"{uploaded / read:.2f}" if read else "-"
    console.print(
        f"complete: read {read:,} bytes, uploaded {uploaded:,} (ratio {share}); manifest "
        f"{manifest.key} written last; took {took}",
        markup=False,
    )


def show_restore(report: RestoreReport, console: Console) -> None:
    table = Table(title=f"Restored backup {report.manifest.backup_id}")
    table.add_column("Target")
    table.add_column("Result", overflow="fold")
    for name, detail in report.restored.items():
        table.add_row(name, Text(detail))
    console.print(table)
    console.print(objectives_table(report.objectives))


def show_drill(report: DrillReport, console: Console) -> None:
    table = Table(title=f"Drill of backup {report.backup_id}")
    for column in ("Area", "Item", "Source", "Restored"):
        table.add_column(column, overflow="fold")
    table.add_column("Result")
    for check in report.checks:
        table.add_row(
            check.area,
            Text(check.item),
            Text(check.source),
            Text(check.restored),
            "[green]match[/]" if check.ok else "[red]MISMATCH[/]",
        )
    console.print(table)
    console.print(objectives_table(report.objectives))
    verdict = (
        "[green]drill passed[/]"
        if report.matched and report.objectives_met
        else "[red]drill FAILED[/]"
    )
    console.print(verdict)
