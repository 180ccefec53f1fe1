"""Reading resource properties safely, through preview unknowns.

During ``pulumi preview`` some inputs are not known yet; pulumi-policy hands policies a proxy
that raises ``UnknownValueError`` when such a value is read. A policy that lets that escape
is reported as "can't run during preview" and checks nothing else on the resource, so every
read goes through :func:`get`, which turns an unknown into the :data:`UNKNOWN` marker.
Checks treat ``UNKNOWN`` as "can't tell yet" and skip that one check, never as a pass for
the rest of the resource and never as a crash.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)


class _Unknown:
    """A value the engine does not know yet (preview); falsy, equal only to itself."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "<unknown during preview>"


UNKNOWN: Any = _Unknown()

_SENTINELS = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and value in _SENTINELS)


def _step(current: Any, step: str | int, default: Any) -> tuple[bool, Any]:
    """One step of a path: (found, value)."""
    if isinstance(step, int):
        if not isinstance(current, Sequence) or isinstance(current, str):
            return False, default
        if not -len(current) <= step < len(current):
            return False, default
        return True, current[step]
    if not isinstance(current, Mapping) or step not in current:
        return False, default
    return True, current[step]


def get(value: Any, *path: str | int, default: Any = None) -> Any:
    """``value[p0][p1]...``; ``default`` when a step is missing, ``UNKNOWN`` when unknown."""
    current = value
    for step in path:
        if is_unknown(current):
            return UNKNOWN
        try:
            found, current = _step(current, step, default)
        except UnknownValueError:
            return UNKNOWN
        except (KeyError, IndexError, TypeError):
            return default
        if not found:
            return default
    if is_unknown(current):
        return UNKNOWN
    return default if current is None else current


def items(value: Any) -> Iterator[Any]:
    """The elements of a list (unknown elements as ``UNKNOWN``); nothing for a non-list."""
    if not isinstance(value, Sequence) or isinstance(value, str):
        return
    for index in range(len(value)):
        yield get(value, index)


def entries(value: Any) -> Iterator[tuple[str, Any]]:
    """The members of a mapping (unknown values as ``UNKNOWN``); nothing for a non-mapping."""
    if not isinstance(value, Mapping):
        return
    for key in list(value):
        yield str(key), get(value, key)


def as_number(value: Any) -> float | None:
    """A number from a number or numeric text; None otherwise (including unknown)."""
    if isinstance(value, bool) or is_unknown(value):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def string_map(value: Any) -> dict[str, Any]:
    """A mapping of strings (labels, tags), with unknown values kept as ``UNKNOWN``."""
    if isinstance(value, str) and not is_unknown(value):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return {key: item for key, item in entries(value)}


def is_true(value: Any) -> bool:
    """A boolean input the way the engine may send it: ``True`` or the text ``"true"``."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def percent_of(value: Any, total: float | None) -> float | None:
    """An int-or-percent (``maxUnavailable``) as a percent of ``total``; None if unknowable."""
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match:
            return float(match.group(1))
        number = as_number(value)
        value = number if number is not None else None
    if isinstance(value, bool) or value is None or is_unknown(value):
        return None
    if isinstance(value, int | float):
        if value == 0:
            return 0.0
        if total:
            return 100.0 * float(value) / total
    return None


def parse_date(value: Any) -> dt.date | None:
    """An ISO date (or the date part of a timestamp); None when it is not one."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
