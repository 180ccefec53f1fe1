"""How long the audit archive is locked, and what CloudWatch Logs accepts as a retention.

The lock is Object Lock's default retention in COMPLIANCE mode, given in days or in years
(S3 takes exactly one of the two). Comparisons with lifecycle rules use the longest a lock
in years can last in days (366 per year), so no rule can end before any locked version's
lock does, leap years included.
"""

from __future__ import annotations

from dataclasses import dataclass

LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip
"""The values CloudWatch Logs' PutRetentionPolicy accepts (the API refuses any other)."""
DAYS_PER_YEAR_AT_MOST = 366


@dataclass(frozen=True)
class LockRetention:
    """Exactly one of ``days`` and ``years``: the archive's COMPLIANCE default retention."""

    days: int | None = None
    years: int | None = None

    def problems(self) -> list[str]:
        if (self.days is None) == (self.years is None):
            return [f"retention needs exactly one of days or years, got {self}"]
        value = self.days if self.days is not None else self.years
        if value is None or value < 1:
            return [f"retention {self} keeps nothing; use 1 or more"]
        return []

    @property
    def longest_days(self) -> int:
        """The most days a lock of this retention can last."""
        if self.days is not None:
            return self.days
        return (self.years or 0) * DAYS_PER_YEAR_AT_MOST

    def __str__(self) -> str:
        return f"{self.days} days" if self.days is not None else f"{self.years} years"


def log_retention_problems(days: int) -> list[str]:
    if days in LOG_RETENTION_DAYS:
        return []
    allowed = ", ".join(str(d) for d in LOG_RETENTION_DAYS)
    return [f"log_retention_days {days} is not one CloudWatch Logs accepts ({allowed})"]
