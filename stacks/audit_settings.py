"""Stack settings for the audit trail and the OpenTelemetry collector (issue 13).

What a stack file may set under ``mcp-fleet:audit`` and ``mcp-fleet:telemetry``. The archive's
lock defaults to the environment's (``components.environment_policy``: the guide-level seven
years, longer in prod); a stack may lengthen it, never shorten it, which
``check_audit_retention`` refuses at the settings edge with the key and the floor.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from stacks.environment import Environment
from stacks.errors import SettingsError
from stacks.model_base import CamelModel, DnsLabel, Integer, Number
from stacks.operations_settings import LOG_RETENTION_DAYS, LogRetentionDays

ROLE_ARN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$"
MAX_LOCK_YEARS = 100
"""S3 Object Lock's default retention is at most 100 years."""
METRICS_NAMESPACE = r"^[^:]{1,255}$"


class AuditSettings(CamelModel):
    archive_retention_years: Integer | None = Field(
        default=None,
        ge=1,
        le=MAX_LOCK_YEARS,
        description="years each audit record stays locked (S3 Object Lock, COMPLIANCE), 1-100; "
        "defaults to the environment's (7, prod 10) and may only lengthen it",
    )
    log_retention_days: LogRetentionDays = Field(
        default=365,
        description="days the audit log group keeps records for Logs Insights, one of "
        + ", ".join(str(days) for days in LOG_RETENTION_DAYS),
    )
    break_glass_role_arn: str | None = Field(
        default=None,
        pattern=ROLE_ARN,
        max_length=2048,
        description="the one IAM role (arn:aws:iam::ACCOUNT:role/NAME) that may change the "
        "archive's lock or lifecycle; leave unset so no one can",
    )


class TelemetrySettings(CamelModel):
    namespace: DnsLabel = Field(
        default="observability",
        description="the namespace the OpenTelemetry collector runs in (a DNS label)",
    )
    replicas: Integer = Field(
        default=2, ge=2, le=50, description="collector replicas, 2-50 (a drain keeps one up)"
    )
    sample_ratio: Number = Field(
        default=1.0,
        ge=0,
        le=1,
        description="share of new traces the servers sample, 0-1; a trace the gateway "
        "started is always continued",
    )
    metrics_namespace: str = Field(
        default="MCPFleet",
        pattern=METRICS_NAMESPACE,
        description="CloudWatch namespace of the servers' metrics: 1-255 characters, no ':', "
        "not starting with AWS/",
    )
    metrics_log_retention_days: LogRetentionDays = Field(
        default=30,
        description="days the collector's EMF metrics log group keeps records, one of "
        + ", ".join(str(days) for days in LOG_RETENTION_DAYS),
    )

    @field_validator("metrics_namespace")
    @classmethod
    def _not_aws(cls, namespace: str) -> str:
        if namespace.startswith("AWS/"):
            raise ValueError(f"{namespace!r}: AWS/ namespaces are AWS's own; use one like MCPFleet")
        return namespace


def check_audit_retention(
    environment: Environment, audit: AuditSettings, stack_file: str, namespace: str
) -> None:
    """A stack may lengthen the environment's audit lock, never shorten it."""
    from components.environment_policy import AUDIT_RETENTION_YEARS

    floor = AUDIT_RETENTION_YEARS[environment]
    years = audit.archive_retention_years
    if years is not None and years < floor:
        raise SettingsError(
            f"{stack_file}: {namespace}:audit.archiveRetentionYears: {years} is shorter than "
            f"the {environment.value} floor of {floor} years; use {floor} or more, or leave it "
            "unset"
        )
