"""What makes an audit archive immutable, read from the bucket and its side resources.

Three facts, each ``None`` when a preview cannot tell yet: the Object Lock default retention
(mode and length), every lifecycle expiration that could remove a version, and every
bucket-policy statement that allows a delete. Lengths compare in days; a lock given in years
counts 365 days a year when judging it long enough (its shortest) and 366 when a lifecycle
rule must outlast it (its longest), so neither check can be passed by a leap year.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from .bucket_facts import LIFECYCLE_TYPES, OBJECT_LOCK_TYPES, POLICY_TYPES, BucketFacts
from .reads import as_number, get, is_true, is_unknown, items

DELETE_ACTIONS = ("s3:deleteobject", "s3:deleteobjectversion", "s3:deletebucket")
"""Any of these granted to anyone would let a record (or the archive) disappear."""


@dataclass(frozen=True)
class Lock:
    mode: str
    days: int | None
    years: int | None

    @property
    def shortest_days(self) -> int:
        return self.days if self.days is not None else (self.years or 0) * 365

    @property
    def longest_days(self) -> int:
        return self.days if self.days is not None else (self.years or 0) * 366

    def __str__(self) -> str:
        length = f"{self.days} days" if self.days is not None else f"{self.years} years"
        return f"{self.mode} for {length}"


def _whole(value: Any) -> int | None:
    number = as_number(value)
    return int(number) if number else None


def bucket_locked(facts: BucketFacts) -> bool | None:
    """Object Lock switched on at creation (it cannot be turned on later with this API)."""
    enabled = get(facts.bucket.props, "objectLockEnabled")
    inline = get(facts.bucket.props, "objectLockConfiguration", "objectLockEnabled")
    if is_unknown(enabled) or is_unknown(inline):
        return None
    return is_true(enabled) or inline == "Enabled"


def default_lock(facts: BucketFacts) -> Lock | bool | None:
    """The default retention; ``False`` when there is none, ``None`` when not known yet."""
    found = [get(facts.bucket.props, "objectLockConfiguration", "rule", "defaultRetention")]
    found += [get(r.props, "rule", "defaultRetention") for r in facts.of(OBJECT_LOCK_TYPES)]
    if any(is_unknown(item) for item in found):
        return None
    for retention in found:
        if not isinstance(retention, Mapping):
            continue
        mode, days, years = (get(retention, key) for key in ("mode", "days", "years"))
        if any(is_unknown(value) for value in (mode, days, years)):
            return None
        if _whole(days) or _whole(years):
            return Lock(str(mode or ""), _whole(days), _whole(years))
    return False


def expirations(facts: BucketFacts) -> Iterator[tuple[str, int | str | None]]:
    """(rule id, days or a date) of each enabled rule that expires current or older versions."""
    for resource in facts.of(LIFECYCLE_TYPES):
        for rule in items(get(resource.props, "rules")):
            if get(rule, "status") != "Enabled":
                continue
            rule_id = str(get(rule, "id") or "unnamed")
            for path in (("expiration", "days"), ("noncurrentVersionExpiration", "noncurrentDays")):
                days = get(rule, *path)
                if is_unknown(days):
                    yield rule_id, None
                elif _whole(days):
                    yield rule_id, _whole(days)
            date = get(rule, "expiration", "date")
            if isinstance(date, str) and date:
                yield rule_id, date


def _statements(policy: Any) -> list[Any] | None:
    if is_unknown(policy):
        return None
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return []
    statements = get(policy, "Statement", default=[])
    return [statements] if isinstance(statements, Mapping) else list(items(statements))


def _patterns(value: Any) -> list[str]:
    values = [value] if isinstance(value, str) else list(items(value))
    return [str(item).lower() for item in values if isinstance(item, str)]


def _allows_delete(statement: Any) -> bool:
    if get(statement, "Effect") != "Allow":
        return False
    actions = _patterns(get(statement, "Action"))
    if any(fnmatchcase(action, pattern) for action in DELETE_ACTIONS for pattern in actions):
        return True
    excluded = _patterns(get(statement, "NotAction"))
    if get(statement, "NotAction") is None:
        return False
    return any(
        not any(fnmatchcase(action, pattern) for pattern in excluded) for action in DELETE_ACTIONS
    )


def delete_grants(facts: BucketFacts) -> list[str] | None:
    """Sids (or positions) of statements allowing a delete; ``None`` when not known yet."""
    policies = [get(r.props, "policy") for r in facts.of(POLICY_TYPES)]
    inline = get(facts.bucket.props, "policy")
    if inline is not None:
        policies.append(inline)
    found: list[str] = []
    for policy in policies:
        statements = _statements(policy)
        if statements is None:
            return None
        for index, statement in enumerate(statements):
            if _allows_delete(statement):
                found.append(str(get(statement, "Sid") or f"statement {index + 1}"))
    return found
