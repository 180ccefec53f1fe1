"""``python -m ops catalog`` workflow commands: register, promote, transfer-ownership and
slo-exception, each changing the entry as the approval workflow says and writing its audit
event (``audit.catalog_events``) with the operator's reason.

    register FILE [--catalog-dir DIR]
    promote SERVER --to STAGE
    transfer-ownership SERVER --team TEAM --email ADDRESS
    slo-exception SERVER --approved-by NAME --expires YYYY-MM-DD

Every one also takes ``--reason WHY`` (required), ``--user`` and one audit destination
(``--audit-bucket`` or ``--audit-log``, see ``ops.catalog_audit``). Promotion, ownership and
SLO exceptions change what the approval signature covers, so they remove it: an approver
signs again (``ops catalog sign``, which writes the approval event). Registration also
starts unapproved. Exit codes: 0 done, 1 the archive or AWS failed (the file is put back),
2 bad input (nothing changed).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ops.catalog_audit import (
    AuditDestination,
    AuditOptions,
    Reason,
    audited,
    reported,
    restored_on_failure,
)
from ops.catalog_edit import SIGNATURE, read_document, set_fields
from ops.catalog_signing import catalog_app
from ops.errors import UsageError

if TYPE_CHECKING:
    from audit.schema import AuditEvent
    from catalog.entry import CatalogEntry

CATALOG_DIR = Path(__file__).resolve().parents[1] / "catalog" / "servers"
"""catalog.load.CATALOG_DIR without importing the catalog package (pulumi) at startup."""

CatalogDir = Annotated[
    Path, typer.Option("--catalog-dir", help="Where the entries are (NAME.yaml).")
]
Server = Annotated[str, typer.Argument(help="The server's name (catalog/servers/NAME.yaml).")]


def _entry_path(catalog_dir: Path, server: str) -> Path:
    path = catalog_dir / f"{server}.yaml"
    if not path.is_file():
        raise UsageError(f"{path}: no catalog entry named {server!r} (register it first)")
    return path


def _load(path: Path) -> CatalogEntry:
    from catalog.load import load_entry

    return load_entry(path)


def _change(path: Path, changes: dict[str, Any], event: AuditEvent, where: AuditDestination) -> str:
    """Edit the entry (dropping its approval), check it still loads, then record the event."""
    with restored_on_failure([path]):
        set_fields(path, {**changes, SIGNATURE: None})
        _load(path)
        return where.write([event])


def _resign_hint(path: Path, had_approval: bool) -> None:
    if had_approval:
        typer.echo(
            f"{path}: the signed content changed, so its approval was removed; an approver "
            f"must run `python -m ops catalog sign --key KEY --reason WHY {path}`",
            err=True,
        )


@catalog_app.command()
@audited
def register(
    file: Annotated[Path, typer.Argument(help="The new entry (or the new version, in place).")],
    reason: Reason,
    catalog_dir: CatalogDir = CATALOG_DIR,
    *,
    audit: AuditOptions,
) -> None:
    """Enter a server (or a new version) in the catalog, unapproved; record who and why."""
    from audit.catalog_events import registration

    with reported():
        entry = _load(file)
        target = catalog_dir / f"{entry.name}.yaml"
        moving = file.resolve() != target.resolve()
        if moving and target.exists():
            raise UsageError(
                f"{target}: {entry.name} is already registered; edit that file for a new "
                f"version and run `python -m ops catalog register {target}`"
            )
        event = registration(entry.name, entry.version, entry.owner.team, audit.operator, reason)
        where = audit.destination()
        with restored_on_failure([target]):
            if moving:
                shutil.copyfile(file, target)
            set_fields(target, {SIGNATURE: None})
            _load(target)
            done = where.write([event])
        typer.echo(f"{target}: {entry.name} {entry.version} registered (unapproved); {done}")


@catalog_app.command()
@audited
def promote(
    server: Server,
    to: Annotated[str, typer.Option("--to", help="The next stage: staging or prod.")],
    reason: Reason,
    catalog_dir: CatalogDir = CATALOG_DIR,
    *,
    audit: AuditOptions,
) -> None:
    """Add the next stage to the entry's stages (dev → staging → prod); needs re-approval."""
    from audit.catalog_events import promotion
    from policy.contract import STAGES

    with reported():
        path = _entry_path(catalog_dir, server)
        entry = _load(path)
        current = max(entry.stages, key=STAGES.index)
        following = STAGES[STAGES.index(current) + 1 :]
        if to not in STAGES:
            raise UsageError(f"--to {to!r}: use one of {', '.join(STAGES)}")
        if to in entry.stages or not following or to != following[0]:
            expected = f"--to {following[0]}" if following else "nothing: it is in prod"
            raise UsageError(
                f"{path}: stages: {server} is in {', '.join(entry.stages)}; promoting to {to} "
                f"is not the next step (stages in order: {' → '.join(STAGES)}; expected "
                f"{expected})"
            )
        event = promotion(server, entry.version, current, to, audit.operator, reason)
        where = audit.destination()
        _, document = read_document(path)
        stages = [*document.get("stages", []), to]
        done = _change(path, {"stages": stages}, event, where)
        typer.echo(f"{path}: {server} {entry.version} promoted {current} → {to}; {done}")
        _resign_hint(path, entry.signature is not None)


@catalog_app.command("transfer-ownership")
@audited
def transfer_ownership(
    server: Server,
    team: Annotated[str, typer.Option("--team", help="The new owning team (a label slug).")],
    email: Annotated[str, typer.Option("--email", help="The new owning team's address.")],
    reason: Reason,
    catalog_dir: CatalogDir = CATALOG_DIR,
    *,
    audit: AuditOptions,
) -> None:
    """Hand the server to another team; needs re-approval."""
    from audit.catalog_events import ownership_change

    with reported():
        path = _entry_path(catalog_dir, server)
        entry = _load(path)
        event = ownership_change(server, entry.owner.team, team, audit.operator, reason)
        where = audit.destination()
        done = _change(path, {"owner": {"team": team, "email": email}}, event, where)
        typer.echo(f"{path}: {server} now owned by {team} (was {entry.owner.team}); {done}")
        _resign_hint(path, entry.signature is not None)


@catalog_app.command("slo-exception")
@audited
def slo_exception(
    server: Server,
    approved_by: Annotated[str, typer.Option("--approved-by", help="Who approved the deviation.")],
    expires: Annotated[
        str, typer.Option("--expires", help="Last day it holds (YYYY-MM-DD, in the future).")
    ],
    reason: Reason,
    catalog_dir: CatalogDir = CATALOG_DIR,
    *,
    audit: AuditOptions,
) -> None:
    """Grant a deviation from the SLO baseline until a date (slo.exception); needs re-approval."""
    from audit.catalog_events import slo_exception as exception_event

    with reported():
        until = _future_date(expires)
        if len(reason.strip()) < 10:
            raise UsageError("--reason: an SLO exception's reason needs at least 10 characters")
        path = _entry_path(catalog_dir, server)
        entry = _load(path)
        event = exception_event(server, approved_by, until, audit.operator, reason)
        where = audit.destination()
        _, document = read_document(path)
        slo = dict(document.get("slo") or {})
        slo["exception"] = {"reason": reason.strip(), "approvedBy": approved_by, "expires": until}
        done = _change(path, {"slo": slo}, event, where)
        typer.echo(f"{path}: {server} has an SLO exception until {until.isoformat()}; {done}")
        _resign_hint(path, entry.signature is not None)


def _future_date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--expires {text!r}: give a date as YYYY-MM-DD") from None
    if day <= dt.datetime.now(dt.UTC).date():
        raise UsageError(f"--expires {day.isoformat()}: the date must be in the future")
    return day
