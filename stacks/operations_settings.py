"""Stack settings for running the fleet: logs, alarms, paging and backups.

Split from ``stacks.settings`` (which re-exports every name) so each module stays one idea:
what the fleet is there, how it is watched and kept here.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, Strict, field_validator, model_validator

from stacks.backup_cadence import check_rpo
from stacks.model_base import (
    CamelModel,
    DigestImage,
    DnsLabel,
    EmailAddress,
    Flag,
    HttpsUrl,
    Integer,
)

REGION = r"^[a-z]{2,}(-[a-z]+)+-\d+$"
"""The shape of a region name; that the region exists is checked against botocore's list."""

LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip
"""The only retention periods CloudWatch Logs accepts (PutRetentionPolicy)."""

MAX_RETENTION_DAYS = 36_500
"""S3 Object Lock keeps objects for at most 100 years; no lifecycle needs longer."""


def check_log_retention(days: int) -> int:
    """``days`` if CloudWatch Logs accepts it as a retention; else the nearest allowed value."""
    if days not in LOG_RETENTION_DAYS:
        closest = min(LOG_RETENTION_DAYS, key=lambda allowed: abs(allowed - days))
        raise ValueError(
            f"CloudWatch Logs cannot keep logs for {days} days; the nearest allowed "
            f"value is {closest}"
        )
    return days


LogRetentionDays = Annotated[int, Strict(), AfterValidator(check_log_retention)]
"""A CloudWatch Logs retention in days, for every log group a stack file configures."""


class PagingSettings(CamelModel):
    emails: tuple[EmailAddress, ...] = Field(
        default=(), description="addresses that receive pages, like oncall@example.com"
    )
    https_endpoints: tuple[HttpsUrl, ...] = Field(
        default=(), description="pager webhook URLs (https://...)"
    )


class ObservabilitySettings(CamelModel):
    log_retention_days: LogRetentionDays = Field(
        default=30,
        description="CloudWatch Logs retention, one of CloudWatch's allowed values: "
        + ", ".join(str(days) for days in LOG_RETENTION_DAYS),
    )
    saturation_percent: Integer = Field(
        default=90,
        ge=50,
        le=100,
        description="percent of a pod's CPU or memory limit that, sustained, raises a "
        "saturation alarm (50-100)",
    )
    page: PagingSettings = Field(default=PagingSettings(), description="where pages go")
    ticket: PagingSettings = Field(default=PagingSettings(), description="where tickets go")
    page_from_dev: Flag = Field(
        default=False, description="true to let dev alarms page; dev alarms only record otherwise"
    )


class BackupDependency(CamelModel):
    name: DnsLabel = Field(
        description="a DNS label naming the dependency (lowercase ASCII, at most 40)"
    )
    kind: Literal["postgres", "redis", "config"] = Field(
        description="one of postgres, redis, config"
    )
    secret_name: DnsLabel | None = Field(
        default=None,
        description="the Kubernetes Secret holding the connection URL (key 'url')",
    )
    config_map: DnsLabel | None = Field(
        default=None, description="for kind config: the ConfigMap to archive"
    )

    @model_validator(mode="after")
    def _source_named(self) -> BackupDependency:
        if self.kind == "config" and not self.config_map:
            raise ValueError(f"dependency {self.name!r} of kind config needs configMap")
        if self.kind != "config" and not self.secret_name:
            raise ValueError(
                f"dependency {self.name!r} of kind {self.kind} needs secretName: the Secret "
                "with its connection URL (never a plain config value)"
            )
        return self


class BackupSettings(CamelModel):
    retention_days: Integer = Field(
        default=30, ge=1, le=MAX_RETENTION_DAYS, description="days backups are kept, like 30"
    )
    object_lock: Flag = Field(
        default=False, description="true to lock backups in governance mode for the retention"
    )
    replica_region: str | None = Field(
        default=None,
        pattern=REGION,
        description="a second AWS region to replicate backups to, like eu-central-1",
    )
    rpo_minutes: Integer = Field(
        default=60,
        ge=5,
        description="recovery point objective in minutes that divides an hour or is whole hours"
        " dividing a day (15, 30, 60, 120, 240, ...): backups run once per RPO",
    )
    rto_minutes: Integer = Field(
        default=30, ge=1, le=10_080, description="recovery time objective, minutes (1-10080)"
    )
    ops_image: DigestImage = Field(
        description="the operator tools image pinned by digest (REPO@sha256:...)",
    )
    namespace: DnsLabel = Field(default="mcp-ops", description="namespace of backup jobs")
    dependencies: tuple[BackupDependency, ...] = Field(
        default=(), description="stateful dependencies to back up, each with a distinct name"
    )

    @field_validator("rpo_minutes")
    @classmethod
    def _rpo_is_a_cron_cadence(cls, rpo_minutes: int) -> int:
        return check_rpo(rpo_minutes)

    @model_validator(mode="after")
    def _dependency_names_unique(self) -> BackupSettings:
        """The name is the backup's key prefix and its CronJob's name: two would collide."""
        seen: set[str] = set()
        for dependency in self.dependencies:
            if dependency.name in seen:
                raise ValueError(
                    f"two backup dependencies are named {dependency.name!r}; give one a "
                    "distinct name (it becomes the backup prefix and the CronJob name)"
                )
            seen.add(dependency.name)
        return self
