"""The stack file's audit and telemetry sections: defaults, what reaches Settings, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from stacks import SettingsError, load_settings
from stacks.audit_settings import AuditSettings, TelemetrySettings
from tests.stacks.stack_config import with_value

ROLE = "arn:aws:iam::111122223333:role/audit-break-glass"


def load(stack: str, key: str, value: Any) -> Any:
    return load_settings(with_value(stack, key, value), project="mcp-fleet", stack=stack)


def error_for(stack: str, key: str, value: Any) -> str:
    with pytest.raises(SettingsError) as raised:
        load(stack, key, value)
    return str(raised.value)


def test_without_the_sections_the_defaults_apply() -> None:
    settings = load("prod", "mcp-fleet:audit", None)
    assert settings.audit == AuditSettings()
    assert settings.telemetry == TelemetrySettings()


def test_the_audit_section_reaches_settings() -> None:
    audit = {"archiveRetentionYears": 12, "logRetentionDays": 731, "breakGlassRoleArn": ROLE}
    settings = load("prod", "mcp-fleet:audit", audit)
    assert settings.audit == AuditSettings(
        archive_retention_years=12, log_retention_days=731, break_glass_role_arn=ROLE
    )


def test_the_telemetry_section_reaches_settings() -> None:
    telemetry = {"namespace": "otel", "replicas": 3, "sampleRatio": 0.5}
    settings = load("dev", "mcp-fleet:telemetry", telemetry)
    assert settings.telemetry == TelemetrySettings(namespace="otel", replicas=3, sample_ratio=0.5)


def test_prod_refuses_a_lock_shorter_than_its_floor_naming_file_key_and_floor() -> None:
    message = error_for("prod", "mcp-fleet:audit", {"archiveRetentionYears": 7})
    assert message == (
        "Pulumi.prod.yaml: mcp-fleet:audit.archiveRetentionYears: 7 is shorter than the prod "
        "floor of 10 years; use 10 or more, or leave it unset"
    )


def test_dev_accepts_the_guide_default_and_refuses_less() -> None:
    assert (
        load("dev", "mcp-fleet:audit", {"archiveRetentionYears": 7}).audit.archive_retention_years
        == 7
    )
    assert "floor of 7 years" in error_for("dev", "mcp-fleet:audit", {"archiveRetentionYears": 3})


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("mcp-fleet:audit", {"logRetentionDays": 100}, "nearest allowed value is 90"),
        ("mcp-fleet:audit", {"breakGlassRoleArn": "arn:aws:iam::1:user/x"}, "breakGlassRoleArn"),
        ("mcp-fleet:audit", {"archiveRetentionYears": 101}, "archiveRetentionYears"),
        ("mcp-fleet:audit", {"retentionYears": 7}, "retentionYears"),
        ("mcp-fleet:telemetry", {"sampleRatio": 1.5}, "sampleRatio"),
        ("mcp-fleet:telemetry", {"replicas": 1}, "replicas"),
        ("mcp-fleet:telemetry", {"metricsNamespace": "AWS/Mine"}, "AWS/ namespaces"),
        ("mcp-fleet:telemetry", {"namespace": "Not_A_Label"}, "namespace"),
    ],
)
def test_a_wrong_value_is_one_message_naming_the_file_and_key(
    key: str, value: dict[str, Any], expected: str
) -> None:
    message = error_for("prod", key, value)
    assert message.startswith("Pulumi.prod.yaml: ")
    assert expected in message
