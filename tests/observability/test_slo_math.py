"""Burn-rate thresholds follow from the SLO: burn rate x error budget, for several targets."""

from __future__ import annotations

import pytest

from components.slo_math import (
    BURN_RATE_TIERS,
    Severity,
    budget_consumed,
    burn_threshold,
    error_budget,
    tier_thresholds,
    window_thresholds,
    windows,
)


@pytest.mark.parametrize(
    ("target", "budget", "expected"),
    [
        (99.0, 0.01, (0.144, 0.06, 0.03)),
        (99.9, 0.001, (0.0144, 0.006, 0.003)),
        (99.5, 0.005, (0.072, 0.03, 0.015)),
        (99.95, 0.0005, (0.0072, 0.003, 0.0015)),
        (95.0, 0.05, (0.72, 0.3, 0.15)),
    ],
)
def test_tier_thresholds_are_burn_rate_times_budget(
    target: float, budget: float, expected: tuple[float, float, float]
) -> None:
    assert error_budget(target) == budget
    assert tuple(tier_thresholds(target).values()) == pytest.approx(expected, abs=1e-12)


def test_tiers_are_the_workbooks_with_a_one_day_ticket_window() -> None:
    described = [
        (t.severity, t.burn_rate, t.long_window.label, t.short_window.label)
        for t in BURN_RATE_TIERS
    ]
    assert described == [
        (Severity.PAGE, 14.4, "1h", "5m"),
        (Severity.PAGE, 6.0, "6h", "30m"),
        (Severity.TICKET, 3.0, "1d", "2h"),
    ]
    # 2 %, 5 % and 10 % of a 30-day budget when the long window alone fires.
    assert [t.budget_consumed for t in BURN_RATE_TIERS] == pytest.approx([0.02, 0.05, 0.10])
    # The workbook's 1x over 3 days spends the same 10 % as 3x over 1 day.
    assert budget_consumed(1, 3 * 86_400) == pytest.approx(budget_consumed(3, 86_400))


def test_six_windows_each_a_valid_alarm_period() -> None:
    assert [w.label for w in windows()] == ["5m", "30m", "1h", "2h", "6h", "1d"]
    assert all(w.seconds % 60 == 0 and w.seconds <= 86_400 for w in windows())


def test_window_thresholds_follow_their_tier() -> None:
    by_label = {w.label: t for w, t in window_thresholds(99.0).items()}
    assert by_label == pytest.approx(
        {"5m": 0.144, "1h": 0.144, "30m": 0.06, "6h": 0.06, "2h": 0.03, "1d": 0.03}
    )


def test_a_threshold_never_asks_for_more_than_every_call_failing() -> None:
    assert burn_threshold(14.4, 0.1) == 1.0
    assert tier_thresholds(90.0)[BURN_RATE_TIERS[0]] == 1.0
    assert tier_thresholds(90.0)[BURN_RATE_TIERS[1]] == pytest.approx(0.6)


@pytest.mark.parametrize("target", [0, 100, 101, -5])
def test_targets_outside_zero_to_hundred_are_refused(target: float) -> None:
    with pytest.raises(ValueError, match="percentage"):
        error_budget(target)
