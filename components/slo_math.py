"""Burn-rate arithmetic for a success SLO: which error ratio, over which window, pages whom.

A burn rate says how fast the error budget goes: at 1x a 30-day budget lasts 30 days, at
14.4x it lasts 50 hours. An alarm fires when the error ratio over a window exceeds
``burn rate x error budget``; a short window paired with each long one makes the alarm stop
soon after the errors stop (the multi-window, multi-burn-rate scheme of Google's SRE
workbook). The tiers here are the workbook's, with one change CloudWatch forces: an alarm
period cannot exceed one day, so the ticket tier looks at 1 day instead of 3 days (see
docs/observability.md, "The 3-day window").

Pure functions and data; the alarms component turns them into CloudWatch resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

SLO_PERIOD_DAYS = 30
"""The guide states tool success 'monthly'; a 30-day rolling month."""

MAX_ALARM_PERIOD_SECONDS = 86_400
"""CloudWatch alarm periods stop at one day."""


class Severity(StrEnum):
    """Where an alarm goes: a page wakes someone, a ticket waits for working hours."""

    PAGE = "page"
    TICKET = "ticket"


@dataclass(frozen=True)
class BurnWindow:
    """One window an error ratio is averaged over."""

    seconds: int

    @property
    def label(self) -> str:
        """5m, 30m, 1h, 6h, 1d: names for alarm names and tags."""
        if self.seconds % 86_400 == 0:
            return f"{self.seconds // 86_400}d"
        if self.seconds % 3600 == 0:
            return f"{self.seconds // 3600}h"
        return f"{self.seconds // 60}m"


@dataclass(frozen=True)
class BurnRateTier:
    """A long window that proves the burn is significant, a short one that it still goes on."""

    severity: Severity
    burn_rate: float
    long_window: BurnWindow
    short_window: BurnWindow

    @property
    def budget_consumed(self) -> float:
        """Share of the whole period's budget spent when the long window alone fires."""
        return budget_consumed(self.burn_rate, self.long_window.seconds)


BURN_RATE_TIERS: tuple[BurnRateTier, ...] = (
    # 2 % of the month's budget in one hour: page.
    BurnRateTier(Severity.PAGE, 14.4, BurnWindow(3600), BurnWindow(300)),
    # 5 % of the month's budget in six hours: page.
    BurnRateTier(Severity.PAGE, 6.0, BurnWindow(6 * 3600), BurnWindow(1800)),
    # 10 % of the month's budget in one day: ticket (the workbook's 1x over 3 days spends
    # the same 10 %, but a three-day period does not exist in CloudWatch).
    BurnRateTier(Severity.TICKET, 3.0, BurnWindow(86_400), BurnWindow(2 * 3600)),
)


def error_budget(success_rate_percent: float) -> float:
    """Allowed failure ratio: 0.01 for a 99 % target."""
    if not 0 < success_rate_percent < 100:
        raise ValueError(
            f"a success target is a percentage in (0, 100), not {success_rate_percent}"
        )
    return round(1 - success_rate_percent / 100, 10)


def success_ratio(success_rate_percent: float) -> float:
    """The success target as a ratio, what a success alarm compares against: 0.99 for 99 %."""
    return round(1 - error_budget(success_rate_percent), 10)


def burn_threshold(burn_rate: float, budget: float) -> float:
    """The error ratio at which ``burn_rate`` is reached; never above 1 (every call failing).

    For targets below ~93 % a 14.4x burn would need more than every call to fail; the
    threshold then stays at 1.0 so the alarm still fires on a total outage.
    """
    if burn_rate <= 0 or not 0 < budget < 1:
        raise ValueError(f"burn rate {burn_rate} and budget {budget} must be positive, budget < 1")
    return min(round(burn_rate * budget, 10), 1.0)


def budget_consumed(
    burn_rate: float, window_seconds: int, period_days: int = SLO_PERIOD_DAYS
) -> float:
    """Share of the period's budget a burn of ``burn_rate`` spends in ``window_seconds``."""
    return round(burn_rate * window_seconds / (period_days * 86_400), 10)


def tier_thresholds(success_rate_percent: float) -> dict[BurnRateTier, float]:
    """Each tier's error-ratio threshold for a target: 99.0 -> 0.144, 0.06, 0.03."""
    budget = error_budget(success_rate_percent)
    return {tier: burn_threshold(tier.burn_rate, budget) for tier in BURN_RATE_TIERS}


def windows() -> tuple[BurnWindow, ...]:
    """Every distinct window the tiers use, shortest first: one alarm each per server."""
    found = {
        w.seconds: w for tier in BURN_RATE_TIERS for w in (tier.long_window, tier.short_window)
    }
    return tuple(found[seconds] for seconds in sorted(found))


def window_thresholds(success_rate_percent: float) -> dict[BurnWindow, float]:
    """Window -> error-ratio threshold for every window alarm the tiers need."""
    budget = error_budget(success_rate_percent)
    return {
        window: burn_threshold(tier.burn_rate, budget)
        for tier in BURN_RATE_TIERS
        for window in (tier.long_window, tier.short_window)
    }


# -- the error ratio as CloudWatch metric math (alarms and dashboard spell it the same) ----

ELIGIBLE_CALLS = "calls - FILL(rejected, 0)"
"""The calls the SLO counts: every call but those refused for the caller's own reasons."""


def ratio_expression(numerator: str, denominator: str) -> str:
    """``numerator / denominator``, 0 when nothing failed or there was no traffic."""
    divisor = denominator if denominator.isidentifier() else f"({denominator})"
    return f"IF({denominator} > 0, FILL({numerator}, 0) / {divisor}, 0)"


def error_ratio_expression(eligible: str = "eligible") -> str:
    """Failed calls over calls the SLO counts; ``eligible`` is a query id or an expression."""
    return ratio_expression("errors", eligible)


def _check_windows() -> None:
    """Each window is a valid alarm period and belongs to one tier (one alarm per window)."""
    seen: set[int] = set()
    for tier in BURN_RATE_TIERS:
        for window in (tier.long_window, tier.short_window):
            if window.seconds % 60 or window.seconds > MAX_ALARM_PERIOD_SECONDS:
                raise ValueError(f"{window.label} is not a CloudWatch alarm period")
            if window.seconds in seen:
                raise ValueError(f"{window.label} is used by two tiers")
            seen.add(window.seconds)


_check_windows()
