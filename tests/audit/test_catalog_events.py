"""The catalog workflow's events: who, why, on what, and refusals of events that cannot be."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from audit import catalog_events
from audit.errors import AuditInputError
from audit.schema import EventType, Result

AT = datetime(2026, 11, 26, 15, tzinfo=UTC)


def test_each_verb_writes_its_event_type_with_who_why_and_what() -> None:
    made = [
        catalog_events.registration("github", "1.4.0", "devtools", "dana", "new release", AT),
        catalog_events.approval("github", "1.4.0", "35736e67adad13d5", "erin", "scans ok", AT),
        catalog_events.promotion("github", "1.4.0", "dev", "staging", "frank", "soak ok", AT),
        catalog_events.ownership_change("github", "devtools", "platform", "ivan", "merge", AT),
        catalog_events.slo_exception("github", "erin", date(2027, 1, 31), "ivan", "slow API", AT),
    ]
    assert [e.event_type for e in made] == [
        EventType.REGISTRATION,
        EventType.APPROVAL,
        EventType.PROMOTION,
        EventType.OWNERSHIP_CHANGE,
        EventType.SLO_EXCEPTION,
    ]
    assert {e.resource for e in made} == {"servers/github"}
    assert all(e.result is Result.SUCCESS and e.timestamp == AT and e.reason for e in made)
    assert made[2].details == {"version": "1.4.0", "from_stage": "dev", "to_stage": "staging"}
    assert made[4].details["expires"] == "2027-01-31"
    assert made[0].user_agent and made[0].user_agent.startswith("mcp-fleet-ops/")


@pytest.mark.parametrize(
    ("from_stage", "to_stage", "message"),
    [
        ("prod", "staging", "is not a promotion"),
        ("dev", "dev", "is not a promotion"),
        ("dev", "qa", "stage 'qa'"),
    ],
)
def test_a_promotion_goes_forward_between_known_stages(
    from_stage: str, to_stage: str, message: str
) -> None:
    with pytest.raises(AuditInputError, match=message):
        catalog_events.promotion("github", "1.4.0", from_stage, to_stage, "frank", "because")


def test_a_reason_is_required_and_an_owner_change_must_change_the_owner() -> None:
    with pytest.raises(AuditInputError, match="a reason is required"):
        catalog_events.registration("github", "1.4.0", "devtools", "dana", "  ")
    with pytest.raises(AuditInputError, match="already owns it"):
        catalog_events.ownership_change("github", "platform", "platform", "ivan", "noop")


def test_the_default_operator_is_user_at_host() -> None:
    assert "@" in catalog_events.current_operator()
