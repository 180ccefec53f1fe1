"""The backup cadence an RPO implies: cron schedule, deadlines and the age-alarm threshold."""

from __future__ import annotations

import itertools

import pytest

from stacks.backup_cadence import (
    AGE_PUBLISH_ACTIVE_DEADLINE_SECONDS,
    AGE_PUBLISH_INTERVAL_MINUTES,
    AGE_PUBLISH_STARTING_DEADLINE_SECONDS,
    active_deadline_seconds,
    age_alarm_margin_seconds,
    age_alarm_threshold_seconds,
    backup_schedule,
    check_rpo,
    schedulable_rpos,
    spread_minute,
    starting_deadline_seconds,
)

DEPENDENCIES = ["sessions", "audit-db", "server-config", "a", "billing-postgres"]


def fields(schedule: str) -> list[str]:
    parts = schedule.split()
    assert len(parts) == 5, schedule
    return parts


def runs_per_day(schedule: str) -> list[int]:
    """Minutes of the day at which a (simple) five-field schedule fires."""
    minute, hour, day, month, weekday = fields(schedule)
    assert (day, month, weekday) == ("*", "*", "*")
    minutes = [int(m) for m in minute.split(",")]
    if hour == "*":
        hours = list(range(24))
    elif hour.startswith("*/"):
        hours = list(range(0, 24, int(hour[2:])))
    else:
        hours = [int(h) for h in hour.split(",")]
    return sorted(h * 60 + m for h in hours for m in minutes)


def test_hourly_rpo_runs_once_an_hour_at_a_fixed_minute() -> None:
    schedule = backup_schedule(60, "sessions")
    minute, hour, *_ = fields(schedule)
    assert hour == "*"
    assert minute == str(spread_minute("sessions"))
    assert 0 <= int(minute) < 60


def test_four_hour_rpo_runs_every_four_hours() -> None:
    schedule = backup_schedule(240, "sessions")
    minute, hour, *_ = fields(schedule)
    assert hour == "*/4"
    assert minute == str(spread_minute("sessions"))


def test_daily_rpo_runs_once_a_day() -> None:
    minute, hour, *_ = fields(backup_schedule(1440, "audit-db"))
    assert hour == "0"
    assert minute == str(spread_minute("audit-db"))


def test_sub_hourly_rpo_lists_the_minutes() -> None:
    schedule = backup_schedule(15, "sessions")
    minute, hour, *_ = fields(schedule)
    minutes = [int(m) for m in minute.split(",")]
    assert hour == "*"
    assert len(minutes) == 4
    assert minutes[0] == spread_minute("sessions", 15)
    assert [b - a for a, b in itertools.pairwise(minutes)] == [15, 15, 15]


@pytest.mark.parametrize("rpo", schedulable_rpos())
@pytest.mark.parametrize("dependency", DEPENDENCIES)
def test_every_schedulable_rpo_fires_evenly_once_per_rpo(rpo: int, dependency: str) -> None:
    times = runs_per_day(backup_schedule(rpo, dependency))
    assert len(times) == 1440 // rpo
    gaps = [b - a for a, b in zip(times, [*times[1:], times[0] + 1440], strict=True)]
    assert set(gaps) == {rpo}, "no gap between two backups may exceed the RPO"


def test_the_minute_is_stable_and_spreads_dependencies() -> None:
    assert backup_schedule(60, "audit-db") == backup_schedule(60, "audit-db")
    minutes = {spread_minute(f"dependency-{i}") for i in range(40)}
    assert len(minutes) > 20, "forty dependencies should not crowd into a few minutes"


@pytest.mark.parametrize("rpo", [7, 45, 90, 100, 300, 1000, 2880])
def test_rpo_no_cron_line_repeats_is_refused_with_the_choices(rpo: int) -> None:
    with pytest.raises(ValueError) as raised:
        backup_schedule(rpo, "sessions")
    message = str(raised.value)
    assert f"an RPO of {rpo} minutes cannot be a backup schedule" in message
    assert "5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440" in message
    with pytest.raises(ValueError):
        check_rpo(rpo)


@pytest.mark.parametrize("rpo", schedulable_rpos())
def test_deadlines_fit_inside_the_rpo(rpo: int) -> None:
    starting, active = starting_deadline_seconds(rpo), active_deadline_seconds(rpo)
    assert 0 < starting < rpo * 60
    assert 0 < active < rpo * 60
    assert starting + active == rpo * 60, "a late, hung run must end before the next is due"


def test_deadlines_for_the_example_rpos() -> None:
    assert (starting_deadline_seconds(60), active_deadline_seconds(60)) == (600, 3000)
    assert (starting_deadline_seconds(240), active_deadline_seconds(240)) == (600, 13800)
    assert (starting_deadline_seconds(5), active_deadline_seconds(5)) == (75, 225)


def test_age_alarm_threshold_is_rpo_plus_margin() -> None:
    assert age_alarm_threshold_seconds(60) == 3600 + 900
    assert age_alarm_threshold_seconds(240) == 4 * 3600 + 3600
    for rpo in (60, 120, 240, 1440):
        margin = age_alarm_margin_seconds(rpo)
        assert margin >= 15 * 60, "late start plus a publisher period"
        assert margin < rpo * 60, "one whole missed backup must exceed the threshold"


def test_age_publisher_finishes_before_its_next_run() -> None:
    interval = AGE_PUBLISH_INTERVAL_MINUTES * 60
    late_and_slow = AGE_PUBLISH_STARTING_DEADLINE_SECONDS + AGE_PUBLISH_ACTIVE_DEADLINE_SECONDS
    assert late_and_slow <= interval
