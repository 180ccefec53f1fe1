"""Parse ``--at`` times: ISO 8601, ``Z`` or an offset; a time without a zone is UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from ops.errors import UsageError


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_time(text: str | None, option: str = "--at") -> datetime:
    if text is None or text.strip().lower() in {"", "now"}:
        return utcnow()
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{option}: not an ISO 8601 time: {text!r} (e.g. 2025-01-31T14:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
