"""A tenant as a stack file declares it: identity, quotas, limits, budget, log retention.

One ``TenantSettings`` per entry of a stack's ``tenants`` section. Everything a tenant's
isolation is built from comes from here: the namespace's ResourceQuota and LimitRange, the
gateway's issuer and rate limit, the tenant's budget and log group. ``check_quota_fits``
holds the quota against the capacity plan, so a tenant whose servers could not all scale to
their planned maximum is refused before anything is created, with the numbers that disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import Field, field_validator, model_validator

from stacks.errors import SettingsError
from stacks.model_base import CamelModel, EmailAddress, HttpsUrl, Integer, Number, Tenant
from stacks.operations_settings import LOG_RETENTION_DAYS

JwtAlgorithm = Literal[
    "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"
]
"""Asymmetric algorithms only: the gateway verifies with public keys, never a shared secret."""

KEY_FILE_PATTERN = r"^[A-Za-z0-9._-]+\.pem$"
"""A PEM file name in the gateway's key directory (no path: the gateway decides where)."""

MAX_WINDOW_SECONDS = 3600
"""The gateway's rate-limit period stops at an hour (``gateway.model.RateLimit``)."""
MAX_BUDGET_USD = 10_000_000
"""Far above any one tenant; keeps a mistyped extra zero from reading as a plan."""


class TenantIdentity(CamelModel):
    """Whose tokens the gateway accepts for this tenant's servers (shared with the gateway)."""

    issuer: HttpsUrl = Field(
        description="the token issuer the gateway trusts for this tenant, an https:// URL "
        "exactly as it appears in the tokens' iss claim"
    )
    audiences: tuple[HttpsUrl, ...] = Field(
        default=(),
        description="extra audiences (https:// URLs) accepted besides each route's own "
        "resource URI (RFC 8707); empty accepts only the route's URI",
    )
    algorithm: JwtAlgorithm = Field(
        default="RS256", description="the tokens' signing algorithm, like RS256 or ES256"
    )
    jwks_uri: HttpsUrl | None = Field(
        default=None, description="the issuer's JWKS URL (https://...), fetched into key files"
    )
    key_files: tuple[str, ...] = Field(
        default=(),
        description="PEM public key file names the gateway holds (like acme-2026.pem), "
        "several while keys rotate",
    )

    @field_validator("key_files")
    @classmethod
    def _key_file_names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        import re

        for name in names:
            if not re.match(KEY_FILE_PATTERN, name):
                raise ValueError(f"{name!r} is not a key file name; write a name like acme.pem")
        return names

    @model_validator(mode="after")
    def _one_key_source(self) -> TenantIdentity:
        if (self.jwks_uri is None) == (not self.key_files):
            raise ValueError(
                "give exactly one key source: jwksUri (https://...) or keyFiles (PEM names)"
            )
        return self


class TenantQuota(CamelModel):
    """The namespace's ResourceQuota: requests of all its pods together, and object counts."""

    cpu_cores: Number = Field(gt=0, le=100_000, description="CPU requests in cores, like 8")
    memory_mib: Integer = Field(gt=0, le=100_000_000, description="memory requests in MiB")
    pods: Integer = Field(gt=0, le=100_000, description="pods at most, like 40")
    services: Integer = Field(gt=0, le=10_000, description="Services at most, like 10")


class ContainerDefaults(CamelModel):
    """The namespace's LimitRange: what a container gets when it does not say."""

    cpu_request_millicores: Integer = Field(default=100, gt=0, le=1_000_000)
    memory_request_mib: Integer = Field(default=128, gt=0, le=10_000_000)
    cpu_limit_millicores: Integer = Field(default=500, gt=0, le=1_000_000)
    memory_limit_mib: Integer = Field(default=256, gt=0, le=10_000_000)

    @model_validator(mode="after")
    def _requests_within_limits(self) -> ContainerDefaults:
        for kind, request, limit, unit in (
            ("cpu", self.cpu_request_millicores, self.cpu_limit_millicores, "m"),
            ("memory", self.memory_request_mib, self.memory_limit_mib, "Mi"),
        ):
            if request > limit:
                raise ValueError(
                    f"the default {kind} request ({request}{unit}) is above the default "
                    f"{kind} limit ({limit}{unit}); Kubernetes refuses such a LimitRange"
                )
        return self


class TenantRateLimit(CamelModel):
    """What the gateway lets the tenant send, over all its servers and gateway replicas."""

    requests_per_second: Integer = Field(gt=0, le=1_000_000, description="sustained rate")
    burst: Integer = Field(gt=0, le=10_000_000, description="requests allowed at once")

    @model_validator(mode="after")
    def _burst_covers_one_second(self) -> TenantRateLimit:
        if self.burst < self.requests_per_second:
            raise ValueError(
                f"burst ({self.burst}) is below requestsPerSecond ({self.requests_per_second}); "
                "the burst must allow at least one second of the sustained rate"
            )
        if math.ceil(self.burst / self.requests_per_second) > MAX_WINDOW_SECONDS:
            raise ValueError(
                f"burst ({self.burst}) is more than an hour of requestsPerSecond "
                f"({self.requests_per_second}); the gateway counts over at most "
                f"{MAX_WINDOW_SECONDS} seconds, so lower the burst to at most "
                f"{self.requests_per_second * MAX_WINDOW_SECONDS}"
            )
        return self

    def window(self) -> tuple[int, int]:
        """``(requests, period_seconds)`` for a sliding-window limiter like the gateway's.

        A burst of ``b`` at ``r`` per second is ``b`` requests per ``b / r`` seconds: the
        same average, and ``b`` at once. The period rounds up, so the average never exceeds
        the sustained rate.
        """
        return self.burst, max(1, math.ceil(self.burst / self.requests_per_second))


class TenantSettings(CamelModel):
    """One entry of the stack's ``tenants`` section."""

    name: Tenant = Field(
        description="a lowercase ASCII slug of at most 30 characters; the namespace is mcp-NAME"
    )
    owner: EmailAddress = Field(
        description="the tenant's contact (budget alerts, quota alarms), like team@example.com"
    )
    identity: TenantIdentity = Field(description="the issuer and keys the gateway trusts")
    quota: TenantQuota = Field(description="cpuCores, memoryMib, pods, services")
    container_defaults: ContainerDefaults = Field(
        default=ContainerDefaults(), description="default container requests and limits"
    )
    rate_limit: TenantRateLimit = Field(description="requestsPerSecond and burst at the gateway")
    monthly_budget_usd: Number = Field(
        gt=0, le=MAX_BUDGET_USD, description="the tenant's monthly AWS cost budget in USD"
    )
    log_retention_days: Integer = Field(
        default=30,
        description="CloudWatch Logs retention of the tenant's log group, one of "
        + ", ".join(str(days) for days in LOG_RETENTION_DAYS),
    )

    @field_validator("log_retention_days")
    @classmethod
    def _allowed_retention(cls, days: int) -> int:
        if days not in LOG_RETENTION_DAYS:
            closest = min(LOG_RETENTION_DAYS, key=lambda allowed: abs(allowed - days))
            raise ValueError(
                f"CloudWatch Logs cannot keep logs for {days} days; the nearest allowed "
                f"value is {closest}"
            )
        return days

    @model_validator(mode="after")
    def _defaults_fit_quota(self) -> TenantSettings:
        defaults, quota = self.container_defaults, self.quota
        if defaults.cpu_request_millicores > quota.cpu_cores * 1000:
            raise ValueError(
                f"containerDefaults.cpuRequestMillicores ({defaults.cpu_request_millicores}m) "
                f"is above the whole quota ({quota.cpu_cores:g} cores); no pod would start"
            )
        if defaults.memory_request_mib > quota.memory_mib:
            raise ValueError(
                f"containerDefaults.memoryRequestMib ({defaults.memory_request_mib}Mi) is "
                f"above the whole quota ({quota.memory_mib}Mi); no pod would start"
            )
        return self

    @property
    def namespace(self) -> str:
        return f"mcp-{self.name}"


class PodPlan(Protocol):
    """The part of a server's capacity plan a quota is held against."""

    @property
    def cpu_request_millicores(self) -> int: ...
    @property
    def memory_request_mib(self) -> int: ...
    @property
    def max_replicas(self) -> int: ...


class PlannedWorkload(Protocol):
    """A planned server as the quota check sees it (``stacks.fleet_plan.PlannedServer``)."""

    @property
    def name(self) -> str: ...
    @property
    def tenant(self) -> str: ...
    @property
    def capacity(self) -> PodPlan: ...


def check_unique_tenants(tenants: Sequence[TenantSettings]) -> None:
    """Each tenant name and each issuer once: a shared issuer would let one tenant's tokens in."""
    for label, values in (
        ("name", [tenant.name for tenant in tenants]),
        ("identity.issuer", [tenant.identity.issuer for tenant in tenants]),
    ):
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise SettingsError(
                f"tenants: each tenant's {label} must be unique; repeated: {', '.join(repeated)}"
            )


ROLLOUT_SURGE_PERCENT = 25
"""The fleet's Deployments surge 25 % (rounded up) during a rollout: those pods count too."""


def _pods_at_peak(server: PlannedWorkload, surge_percent: int) -> int:
    """Maximum replicas plus the rollout surge Kubernetes rounds up (``maxSurge: 25%``)."""
    replicas = server.capacity.max_replicas
    return replicas + math.ceil(replicas * surge_percent / 100)


def check_quota_fits(
    tenant: TenantSettings,
    servers: Sequence[PlannedWorkload],
    *,
    surge_percent: int = ROLLOUT_SURGE_PERCENT,
    services_per_server: int = 1,
    source: str = "the stack file",
) -> None:
    """Refuse a tenant whose servers, all at planned maximum and mid-rollout, exceed its quota.

    The autoscaler may take every server to its maximum at once, and a rollout then adds its
    surge; a quota below that would leave pods Pending exactly at peak, when they are needed.
    Each dimension over its quota is named with its arithmetic, in one message.
    """
    own = [server for server in servers if server.tenant == tenant.name]
    pods = {server.name: _pods_at_peak(server, surge_percent) for server in own}
    needed_cpu = sum(pods[s.name] * s.capacity.cpu_request_millicores for s in own)
    needed_memory = sum(pods[s.name] * s.capacity.memory_request_mib for s in own)
    quota, key = tenant.quota, f"tenants[{tenant.name}].quota"
    problems = []
    if needed_cpu > quota.cpu_cores * 1000:
        terms = " + ".join(
            f"{s.name} {pods[s.name]} x {s.capacity.cpu_request_millicores}m" for s in own
        )
        problems.append(
            f"CPU requests {needed_cpu}m ({terms}) exceed {key}.cpuCores {quota.cpu_cores:g} "
            f"({quota.cpu_cores * 1000:g}m); raise it to at least {math.ceil(needed_cpu / 1000)}"
        )
    if needed_memory > quota.memory_mib:
        terms = " + ".join(
            f"{s.name} {pods[s.name]} x {s.capacity.memory_request_mib}Mi" for s in own
        )
        problems.append(
            f"memory requests {needed_memory}Mi ({terms}) exceed {key}.memoryMib "
            f"{quota.memory_mib}; raise it to at least {needed_memory}"
        )
    if sum(pods.values()) > quota.pods:
        terms = " + ".join(f"{name} {count}" for name, count in pods.items())
        problems.append(
            f"{sum(pods.values())} pods ({terms}) exceed {key}.pods {quota.pods}; "
            f"raise it to at least {sum(pods.values())}"
        )
    if len(own) * services_per_server > quota.services:
        problems.append(
            f"{len(own) * services_per_server} Services ({len(own)} servers x "
            f"{services_per_server}) exceed {key}.services {quota.services}; raise it to at "
            f"least {len(own) * services_per_server}"
        )
    if problems:
        raise SettingsError(
            f"{source}: tenant {tenant.name!r} cannot run its servers at their planned maximum "
            f"replicas plus a {surge_percent} % rollout surge: "
            + "; ".join(problems)
            + ", or lower the servers' maxReplicas (or peakRps)"
        )
