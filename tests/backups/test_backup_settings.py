"""Backup settings a stack file can get wrong: an RPO no schedule repeats, duplicate names."""

from __future__ import annotations

import pytest

from stacks import SettingsError, load_settings
from tests.stacks.stack_config import structured, with_value


def error_for(backups: dict[str, object]) -> str:
    with pytest.raises(SettingsError) as raised:
        load_settings(
            with_value("prod", "mcp-fleet:backups", backups), project="mcp-fleet", stack="prod"
        )
    return str(raised.value)


def test_an_rpo_cron_cannot_repeat_names_the_key_and_the_choices() -> None:
    backups = structured("prod", "mcp-fleet:backups")
    backups["rpoMinutes"] = 90
    message = error_for(backups)
    assert "Pulumi.prod.yaml: mcp-fleet:backups.rpoMinutes:" in message
    assert "an RPO of 90 minutes cannot be a backup schedule" in message
    assert "(got 90)" in message
    assert "120, 180, 240" in message


def test_an_rpo_that_divides_an_hour_loads() -> None:
    backups = structured("prod", "mcp-fleet:backups")
    backups["rpoMinutes"] = 15
    settings = load_settings(
        with_value("prod", "mcp-fleet:backups", backups), project="mcp-fleet", stack="prod"
    )
    assert settings.backups.rpo_minutes == 15


def test_two_dependencies_with_one_name_are_refused() -> None:
    backups = structured("prod", "mcp-fleet:backups")
    backups["dependencies"] = [
        {"name": "audit-db", "kind": "postgres", "secretName": "audit-db-url"},
        {"name": "audit-db", "kind": "redis", "secretName": "sessions-redis-url"},
    ]
    message = error_for(backups)
    assert "mcp-fleet:backups:" in message
    assert "two backup dependencies are named 'audit-db'" in message
