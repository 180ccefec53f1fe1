"""Recovery objectives: parse ``--rpo``/``--rto`` and judge what a restore achieved.

Defaults come from the operate guide's ``DisasterRecovery``: RPO 1 hour, RTO 30 minutes.
Achieved RPO is the data a restore gives up: ``--at`` minus the end of the backup used.
Achieved RTO is the wall time of the restore, from start to the last target restored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from ops.errors import UsageError

DEFAULT_RPO = "1h"
DEFAULT_RTO = "30m"

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([dhms])")


def parse_duration(text: str, option: str = "duration") -> timedelta:
    """``90s``, ``30m``, ``1h``, ``1h30m``, ``2d`` (a bare number means seconds)."""
    value = text.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        return timedelta(seconds=float(value))
    if not value or _DURATION.sub("", value):
        raise UsageError(f"{option}: not a duration: {text!r} (e.g. 30m, 1h, 1h30m, 90s)")
    seconds = sum(float(n) * _UNITS[unit] for n, unit in _DURATION.findall(value))
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    total = value.total_seconds()
    sign = "-" if total < 0 else ""
    total = abs(total)
    if total < 60:
        return f"{sign}{total:.1f}s"
    hours, rest = divmod(round(total), 3600)
    minutes, seconds = divmod(rest, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return f"{sign}{days}d{hours}h{minutes}m"
    if hours:
        return f"{sign}{hours}h{minutes:02d}m{seconds:02d}s"
    return f"{sign}{minutes}m{seconds:02d}s"


@dataclass(frozen=True)
class ObjectiveResult:
    name: str  # "RPO" or "RTO"
    achieved: timedelta
    objective: timedelta

    @property
    def met(self) -> bool:
        return self.achieved <= self.objective

    def describe(self) -> str:
        verdict = "met" if self.met else "MISSED"
        return (
            f"{self.name} {format_duration(self.achieved)} "
            f"(objective {format_duration(self.objective)}): {verdict}"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "achieved_seconds": round(self.achieved.total_seconds(), 3),
            "objective_seconds": self.objective.total_seconds(),
            "met": self.met,
        }


def evaluate(
    rpo_achieved: timedelta, rto_achieved: timedelta, rpo: timedelta, rto: timedelta
) -> list[ObjectiveResult]:
    return [ObjectiveResult("RPO", rpo_achieved, rpo), ObjectiveResult("RTO", rto_achieved, rto)]
