"""Where the sealer stopped reading the audit log group, kept in the archive itself.

The cursor rides on every archived object as S3 user metadata (``audit-cursor-group``,
``audit-cursor-ingested-ms``): the object that seals a stretch of the log group also says
how far that stretch reached, so the records and the cursor are written by one
``PutObject`` and can never disagree. A run that fails before its object is written leaves
the previous cursor in place (it loses nothing: the next run reads the same stretch again);
a run that succeeds moves it past everything it sealed (a rerun seals nothing twice).

The position is CloudWatch Logs' **ingestion** time, not the event's own timestamp: a line
a Fluent Bit retry delivers late carries an old timestamp but a new ingestion time, so it is
still after the cursor. Objects written without a new cursor (``ops catalog`` events, the
manual ``ops audit append``) carry the previous one forward.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from audit.errors import ArchiveError

GROUP_KEY = "audit-cursor-group"
INGESTED_KEY = "audit-cursor-ingested-ms"


@dataclass(frozen=True)
class SealCursor:
    """Every event of ``log_group`` ingested at or before ``ingested_ms`` is sealed."""

    log_group: str
    ingested_ms: int

    def metadata(self) -> dict[str, str]:
        return {GROUP_KEY: self.log_group, INGESTED_KEY: str(self.ingested_ms)}


def cursor_from(metadata: Mapping[str, str], where: str) -> SealCursor | None:
    """The cursor an object carries, None if it carries none; refuses a damaged one."""
    group, ingested = metadata.get(GROUP_KEY), metadata.get(INGESTED_KEY)
    if group is None and ingested is None:
        return None
    if not group or not ingested or not ingested.isdigit():
        raise ArchiveError(
            f"{where}: the seal cursor metadata is damaged ({GROUP_KEY}={group!r}, "
            f"{INGESTED_KEY}={ingested!r}); nothing was sealed: run "
            "`python -m ops audit verify` and investigate first"
        )
    return SealCursor(group, int(ingested))
