"""Every decision that differs between dev, staging and prod, made in one place.

Components receive the outcome as plain values (``protect=True``, ``deletion_window_days=7``,
``notify=False``); none of them asks which environment it is in. ``Platform`` calls
``environment_policy`` once and hands each component the values it needs, so changing what
"prod" means is a change to this file and its tests, not a hunt through the components.
"""

from __future__ import annotations

from dataclasses import dataclass

from stacks.environment import Environment

SERVICE_KEY_DELETION_WINDOW_DAYS = 30
"""Paging and log keys: losing one silences alarms or logs, so every stage waits the maximum."""
BACKUP_KEY_DELETION_WINDOW_DAYS = {
    Environment.DEV: 7,
    Environment.STAGING: 30,
    Environment.PROD: 30,
}
"""A scheduled backup-key deletion can be cancelled for this long; after it every backup is lost.
Dev backups are disposable, so a torn-down dev stack frees its key after a week."""
AUDIT_RETENTION_YEARS = {
    Environment.DEV: 7,
    Environment.STAGING: 7,
    Environment.PROD: 10,
}
"""The audit archive's COMPLIANCE lock, and the least a stack may set: the guide-level seven
years (``audit.defaults.DEFAULT_RETENTION_YEARS``, a common regulatory floor) everywhere,
ten in prod, whose records are the ones an auditor asks for."""


@dataclass(frozen=True)
class StatefulPolicy:
    """How Pulumi treats resources whose loss loses backups: the buckets and their keys.

    ``protect`` in staging and prod: ``pulumi destroy`` or a refactor that drops or replaces
    the resource fails instead of deleting it. ``retain_on_delete`` in prod as well: should
    someone unprotect and destroy on purpose, the bucket and key are only forgotten by
    Pulumi, not deleted, because prod backups are under Object Lock and are the disaster
    recovery copy. Dev keeps neither, so a dev stack can be torn down.
    """

    protect: bool
    retain_on_delete: bool
    force_destroy: bool
    """Whether a bucket may be deleted with its objects (dev only)."""
    key_deletion_window_days: int


@dataclass(frozen=True)
class AuditPolicy:
    """The audit archive: how long records are locked by default, and whether Pulumi
    refuses to delete (and then only forgets) its key, log group and bucket."""

    retention_years: int
    protect: bool


@dataclass(frozen=True)
class EnvironmentPolicy:
    environment: Environment
    notify: bool
    """Whether alarms notify anyone: staging and prod always, dev only when asked."""
    backups: StatefulPolicy
    service_key_deletion_window_days: int
    access_logs_force_destroy: bool
    """Only where the load balancer itself may be deleted may its logs go with it."""
    audit: AuditPolicy
    progressive_delivery: bool
    """Whether servers roll out through Argo Rollouts (docs/delivery.md). Every stage does:
    dev runs the same steps with the analysis in dry run (measured, never aborting, nobody
    notified; ``delivery.plan.ENFORCING_STAGES``), so a release meets the rollout machinery
    before staging, and a dev threshold that would have aborted shows in the AnalysisRun."""


def environment_policy(
    environment: Environment, *, page_from_dev: bool, load_balancer_deletion_protection: bool
) -> EnvironmentPolicy:
    """The per-environment decisions for one stack."""
    return EnvironmentPolicy(
        environment=environment,
        notify=environment.is_production_like or page_from_dev,
        backups=StatefulPolicy(
            protect=environment.is_production_like,
            retain_on_delete=environment is Environment.PROD,
            force_destroy=environment is Environment.DEV,
            key_deletion_window_days=BACKUP_KEY_DELETION_WINDOW_DAYS[environment],
        ),
        service_key_deletion_window_days=SERVICE_KEY_DELETION_WINDOW_DAYS,
        access_logs_force_destroy=not load_balancer_deletion_protection,
        audit=AuditPolicy(
            retention_years=AUDIT_RETENTION_YEARS[environment],
            protect=environment.is_production_like,
        ),
        progressive_delivery=True,
    )


@dataclass(frozen=True)
class Naming:
    """Physical-name prefixes. Two exist because the program grew them and renaming a
    deployed resource replaces it: observability names (topics, alarms, log filters,
    dashboards, key aliases) carry the stack, everything else the environment."""

    project: str
    stack: str
    environment: str

    @property
    def stack_prefix(self) -> str:
        """``mcp-fleet-prod`` from the stack name: topics, SLO alarms, dashboards, log keys."""
        return f"{self.project}-{self.stack}"

    @property
    def stack_title(self) -> str:
        """``mcp-fleet prod``: the same, for descriptions people read."""
        return f"{self.project} {self.stack}"

    @property
    def environment_prefix(self) -> str:
        """``mcp-fleet-prod`` from the environment: ALB, buckets, backup keys and alarms."""
        return f"{self.project}-{self.environment}"

    @property
    def environment_title(self) -> str:
        return f"{self.project} {self.environment}"
