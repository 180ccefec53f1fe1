"""Checks component Args share: each refuses a wrong input before any resource exists."""

from __future__ import annotations

from collections.abc import Iterable


def repeated(names: Iterable[str]) -> list[str]:
    """The names that occur more than once, sorted: each would collide as a resource name."""
    seen: set[str] = set()
    twice: set[str] = set()
    for name in names:
        (twice if name in seen else seen).add(name)
    return sorted(twice)


def require_days(component: str, field: str, days: int) -> None:
    """A retention or window of fewer than one day keeps nothing."""
    if days < 1:
        raise ValueError(f"{component}: {field} {days} keeps nothing; use 1 or more days")
