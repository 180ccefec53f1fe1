"""The catalog's approval workflow as audit events, one function per ``ops catalog`` verb.

Registration, approval, promotion between stages, ownership change and SLO exception each
produce one ``AuditEvent``; the command archives it (``AuditArchive.write``) or writes it as
a JSON line for ``ops audit append --source events``. Every event says who (the operator),
why (a reason is required: an audit trail without the why answers half the question) and
on what (``servers/<name>``); the version and other facts go into ``details``.
"""

from __future__ import annotations

import getpass
import socket
from datetime import UTC, date, datetime

from audit.errors import AuditInputError
from audit.schema import AuditEvent, EventType, Result, server_resource
from ops import __version__
from policy.contract import STAGES

USER_AGENT = f"mcp-fleet-ops/{__version__}"


def current_operator() -> str:
    """Who runs the command, as ``user@host``: the default ``user`` of catalog events."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


def _event(
    event_type: EventType,
    action: str,
    server: str,
    user: str,
    reason: str,
    details: dict[str, str | int | bool | None],
    at: datetime | None,
) -> AuditEvent:
    if not reason.strip():
        raise AuditInputError(f"{action} of {server}: a reason is required (the audit's why)")
    return AuditEvent(
        timestamp=at or datetime.now(UTC),
        event_type=event_type,
        user=user,
        action=action,
        resource=server_resource(server),
        result=Result.SUCCESS,
        user_agent=USER_AGENT,
        reason=reason.strip(),
        details=details,
    )


def registration(
    server: str, version: str, owner_team: str, user: str, reason: str, at: datetime | None = None
) -> AuditEvent:
    """A new server (or version) entered the catalog, not yet approved."""
    details: dict[str, str | int | bool | None] = {"version": version, "owner": owner_team}
    return _event(EventType.REGISTRATION, "register", server, user, reason, details, at)


def approval(
    server: str,
    version: str,
    key_id: str,
    user: str,
    reason: str,
    at: datetime | None = None,
) -> AuditEvent:
    """An approver signed the entry (``ops catalog sign``) with the key ``key_id``."""
    details: dict[str, str | int | bool | None] = {"version": version, "key_id": key_id}
    return _event(EventType.APPROVAL, "approve", server, user, reason, details, at)


def promotion(
    server: str,
    version: str,
    from_stage: str,
    to_stage: str,
    user: str,
    reason: str,
    at: datetime | None = None,
) -> AuditEvent:
    """The entry moved to a later stage (dev → staging → prod)."""
    for stage in (from_stage, to_stage):
        if stage not in STAGES:
            raise AuditInputError(f"promote {server}: stage {stage!r}: use one of {STAGES}")
    if STAGES.index(to_stage) <= STAGES.index(from_stage):
        raise AuditInputError(
            f"promote {server}: {from_stage} → {to_stage} is not a promotion "
            f"(stages in order: {' → '.join(STAGES)})"
        )
    details: dict[str, str | int | bool | None] = {
        "version": version,
        "from_stage": from_stage,
        "to_stage": to_stage,
    }
    return _event(EventType.PROMOTION, "promote", server, user, reason, details, at)


def ownership_change(
    server: str,
    from_team: str,
    to_team: str,
    user: str,
    reason: str,
    at: datetime | None = None,
) -> AuditEvent:
    """The owning team changed."""
    if from_team == to_team:
        raise AuditInputError(f"change owner of {server}: {to_team!r} already owns it")
    details: dict[str, str | int | bool | None] = {"from_owner": from_team, "to_owner": to_team}
    return _event(EventType.OWNERSHIP_CHANGE, "change-owner", server, user, reason, details, at)


def slo_exception(
    server: str,
    approved_by: str,
    expires: date,
    user: str,
    reason: str,
    at: datetime | None = None,
) -> AuditEvent:
    """An approved deviation from the fleet's SLO baseline, until ``expires``."""
    details: dict[str, str | int | bool | None] = {
        "approved_by": approved_by,
        "expires": expires.isoformat(),
    }
    return _event(EventType.SLO_EXCEPTION, "grant-slo-exception", server, user, reason, details, at)
