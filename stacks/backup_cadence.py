"""Backup cadence: the cron schedule, job deadlines and age-alarm threshold an RPO implies.

Pure arithmetic, like capacity planning, so the stack settings can refuse an RPO no cron
line can express (with the file and key in the message) before any component runs, and the
components and the tests share one definition.

The invariants the numbers keep:

- a backup runs once per RPO at a fixed, per-dependency minute, so the newest complete
  backup is never much older than the RPO while the schedule holds;
- a run that cannot start within ``starting_deadline`` is skipped rather than run late, and
  ``starting_deadline + active_deadline == RPO``: even a run that started as late as allowed
  and then hung is killed before the next one is due, so with ``concurrencyPolicy: Forbid``
  one stuck job never silently swallows the next backup;
- the age alarm fires at RPO plus a margin that absorbs a late start, the backup's own
  duration and the age publisher's period, but not a whole missed backup (for RPOs of an
  hour and more the margin is below the RPO, so one missed backup is enough to page).
"""

from __future__ import annotations

import hashlib

MINUTES_PER_HOUR = 60
MINUTES_PER_DAY = 24 * MINUTES_PER_HOUR

STARTING_DEADLINE_CAP_SECONDS = 10 * 60
"""A backup that could not start within ten minutes of its slot is skipped, not run late."""
ALARM_MARGIN_FLOOR_SECONDS = 15 * 60
"""Ten minutes of allowed late start plus a five-minute publisher period."""

AGE_PUBLISH_INTERVAL_MINUTES = 5
"""How often ``ops backup-age`` republishes the age, so the metric grows when backups stop."""
AGE_PUBLISH_SCHEDULE = f"*/{AGE_PUBLISH_INTERVAL_MINUTES} * * * *"
AGE_PUBLISH_STARTING_DEADLINE_SECONDS = 60
AGE_PUBLISH_ACTIVE_DEADLINE_SECONDS = 4 * 60
"""Late start plus run time fit the publish interval, so a hung publisher never blocks the next."""


def _divisors_of_an_hour() -> tuple[int, ...]:
    return tuple(m for m in range(1, MINUTES_PER_HOUR + 1) if MINUTES_PER_HOUR % m == 0)


def _whole_hours_dividing_a_day() -> tuple[int, ...]:
    return tuple(h * MINUTES_PER_HOUR for h in range(2, 25) if 24 % h == 0)


def schedulable_rpos(minimum: int = 5) -> tuple[int, ...]:
    """Every RPO (minutes) a single cron line repeats exactly: 5 ... 60, 120 ... 1440."""
    return tuple(m for m in _divisors_of_an_hour() if m >= minimum) + _whole_hours_dividing_a_day()


def check_rpo(rpo_minutes: int) -> int:
    """``rpo_minutes`` if one cron line runs a backup every RPO; ValueError naming the choices.

    Cron repeats per hour and per day. An RPO that divides an hour (15, 30) or is a whole
    number of hours dividing a day (120, 240) repeats exactly; anything else (45, 90, 100)
    would drift against the clock, leaving some gaps longer than the RPO.
    """
    if rpo_minutes in schedulable_rpos(minimum=1):
        return rpo_minutes
    allowed = ", ".join(str(m) for m in schedulable_rpos())
    raise ValueError(
        f"an RPO of {rpo_minutes} minutes cannot be a backup schedule: cron repeats every hour "
        f"and every day, so the RPO must divide an hour or be whole hours dividing a day "
        f"(one of {allowed})"
    )


def spread_minute(dependency: str, modulo: int = MINUTES_PER_HOUR) -> int:
    """A stable minute in [0, modulo) for a dependency, so backups do not all fire at :00.

    A cryptographic hash rather than ``hash()``: Python salts ``hash()`` per process, and a
    schedule that changed on every ``pulumi up`` would be a diff on every preview.
    """
    return int(hashlib.sha256(dependency.encode()).hexdigest(), 16) % modulo


def backup_schedule(rpo_minutes: int, dependency: str) -> str:
    """The CronJob schedule that backs ``dependency`` up once per RPO.

    60 -> ``"M * * * *"`` (hourly at the dependency's minute), 240 -> ``"M */4 * * *"``,
    15 -> ``"M,M+15,M+30,M+45 * * * *"``. Minutes are listed rather than written ``M/15``
    because a step from a start value is not portable across cron dialects.
    """
    check_rpo(rpo_minutes)
    if rpo_minutes <= MINUTES_PER_HOUR:
        first = spread_minute(dependency, rpo_minutes)
        minutes = ",".join(str(m) for m in range(first, MINUTES_PER_HOUR, rpo_minutes))
        return f"{minutes} * * * *"
    minute = spread_minute(dependency)
    hours = rpo_minutes // MINUTES_PER_HOUR
    hour_field = "0" if hours == 24 else f"*/{hours}"
    return f"{minute} {hour_field} * * *"


def starting_deadline_seconds(rpo_minutes: int) -> int:
    """Ten minutes, or a quarter of a shorter RPO: a start later than that is a missed slot."""
    return min(STARTING_DEADLINE_CAP_SECONDS, rpo_minutes * 60 // 4)


def active_deadline_seconds(rpo_minutes: int) -> int:
    """What is left of the RPO after the latest allowed start: the run is over before the next."""
    return rpo_minutes * 60 - starting_deadline_seconds(rpo_minutes)


def age_alarm_margin_seconds(rpo_minutes: int) -> int:
    """Slack over the RPO before paging: a quarter of the RPO, at least fifteen minutes."""
    return max(ALARM_MARGIN_FLOOR_SECONDS, rpo_minutes * 60 // 4)


def age_alarm_threshold_seconds(rpo_minutes: int) -> int:
    """Page when the newest complete backup is older than this."""
    return rpo_minutes * 60 + age_alarm_margin_seconds(rpo_minutes)
