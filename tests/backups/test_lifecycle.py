"""When a backup should move to a colder storage class, and the rules every bucket gets."""

from __future__ import annotations

from typing import Any

import pytest

from components.backup_lifecycle import (
    COLDER_CLASSES,
    HOT_DAYS,
    INCOMPLETE_UPLOAD_DAYS,
    NONCURRENT_VERSION_DAYS,
    Transition,
    colder_transition,
    lifecycle_rules,
)


@pytest.mark.parametrize("retention", [1, 7, 14, 30, 59])
def test_short_retention_stays_in_standard(retention: int) -> None:
    """Prod keeps 30 days: Standard-IA's 30-day minimum would bill days the backup is gone."""
    assert colder_transition(retention) is None


@pytest.mark.parametrize("retention", [60, 90, 119])
def test_standard_ia_once_it_outlives_its_minimum_after_the_hot_window(retention: int) -> None:
    assert colder_transition(retention) == Transition("STANDARD_IA", HOT_DAYS)


@pytest.mark.parametrize("retention", [120, 365, 3650])
def test_glacier_instant_retrieval_once_it_outlives_90_days(retention: int) -> None:
    assert colder_transition(retention) == Transition("GLACIER_IR", HOT_DAYS)


def test_only_instant_retrieval_classes_are_candidates() -> None:
    """An RTO of minutes rules out classes that take hours to hand a backup back."""
    assert {c.name for c in COLDER_CLASSES} == {"STANDARD_IA", "GLACIER_IR"}


@pytest.mark.parametrize("retention", range(1, 400))
def test_a_transition_always_pays_its_minimum(retention: int) -> None:
    transition = colder_transition(retention)
    if transition is not None:
        (target,) = [c for c in COLDER_CLASSES if c.name == transition.storage_class]
        assert transition.days >= 30, "S3 refuses IA transitions before 30 days"
        assert retention - transition.days >= target.minimum_storage_days


def test_rules_expire_clean_up_and_abort() -> None:
    built: list[Any] = lifecycle_rules(30)  # Args classes type every field as an Input
    rules = {rule.id: rule for rule in built}
    assert set(rules) == {
        "expire-backups",
        "abort-incomplete-uploads",
        "remove-expired-delete-markers",
    }
    expire = rules["expire-backups"]
    assert expire.expiration.days == 30
    assert expire.transitions is None
    assert expire.noncurrent_version_expiration.noncurrent_days == NONCURRENT_VERSION_DAYS
    abort = rules["abort-incomplete-uploads"].abort_incomplete_multipart_upload
    assert abort.days_after_initiation == INCOMPLETE_UPLOAD_DAYS == 1
    markers = rules["remove-expired-delete-markers"].expiration
    assert markers.expired_object_delete_marker is True and markers.days is None


def test_long_retention_rules_carry_the_transition() -> None:
    built: list[Any] = lifecycle_rules(180)
    (expire,) = [rule for rule in built if rule.id == "expire-backups"]
    (transition,) = expire.transitions
    assert (transition.storage_class, transition.days) == ("GLACIER_IR", 30)
