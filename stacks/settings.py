"""What a stack file may set, as pydantic models; the keys are the stack file's keys.

Every field has a description because the description is the 'what would be right' half of
the error message a user gets when the value is wrong.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.alias_generators import to_camel

from stacks.backup_cadence import check_rpo
from stacks.environment import Environment

ARN_ACM = r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$"
ARN_OIDC = r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/.+$"
VPC_ID = r"^vpc-[0-9a-f]{8,17}$"
SUBNET_ID = r"^subnet-[0-9a-f]{8,17}$"
DOMAIN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$"
REGION = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"
DIGEST_IMAGE = r"^[a-z0-9][a-z0-9._\-/:]*@sha256:[0-9a-f]{64}$"
SLUG = r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$"


class StackModel(BaseModel):
    """camelCase keys as Pulumi stack files write them; unknown keys are typos and refused."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class ClusterSettings(StackModel):
    name: str = Field(min_length=1, description="the existing EKS cluster's name")
    oidc_provider_arn: str = Field(
        pattern=ARN_OIDC,
        description="the cluster's IAM OIDC provider ARN (arn:aws:iam::ACCOUNT:oidc-provider/...)"
        " used for IAM roles for service accounts",
    )


class NetworkSettings(StackModel):
    vpc_id: str = Field(pattern=VPC_ID, description="the existing VPC id, like vpc-0abc1234")
    public_subnet_ids: tuple[str, ...] = Field(
        min_length=2, description="at least two public subnet ids (subnet-...) in different zones"
    )
    private_subnet_ids: tuple[str, ...] = Field(
        min_length=2, description="at least two private subnet ids (subnet-...) for the pods"
    )
    certificate_arn: str = Field(
        pattern=ARN_ACM, description="an ACM certificate ARN covering *.DOMAIN"
    )
    domain: str = Field(
        pattern=DOMAIN, description="the DNS zone servers are routed under, like mcp.example.com"
    )
    ingress_cidrs: tuple[str, ...] = Field(
        default=("0.0.0.0/0",), min_length=1, description="CIDR blocks allowed to reach the ALB"
    )

    @model_validator(mode="after")
    def _subnet_ids_look_like_subnets(self) -> NetworkSettings:
        import re

        for subnet in (*self.public_subnet_ids, *self.private_subnet_ids):
            if not re.match(SUBNET_ID, subnet):
                raise ValueError(
                    f"{subnet!r} is not a subnet id; subnet ids look like subnet-0abc1234"
                )
        return self


class SloSettings(StackModel):
    tool_success_rate: float = Field(
        default=99.0, gt=0, lt=100, description="a percentage below 100, like 99.0"
    )
    p95_latency_ms: int = Field(default=400, gt=0, description="milliseconds, like 400")


class FleetSettings(StackModel):
    owner: str = Field(
        default="platform",
        pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
        description="the team owning fleet-wide resources (load balancer, buckets), a slug",
    )
    drain_seconds: int = Field(
        default=30, ge=5, le=300, description="seconds to drain connections before a pod stops"
    )
    rollout_batch_percent: int = Field(
        default=25, ge=1, le=50, description="percent of replicas replaced at once (1-50)"
    )
    min_replicas: int = Field(
        default=2, ge=1, description="the fewest replicas any server runs, at least 1"
    )
    headroom: float = Field(
        default=0.5, ge=0, le=4, description="capacity buffer over peak, 0.5 for 50 %"
    )
    cores_per_node: float = Field(default=4, gt=0, description="CPU cores of one worker node")
    target_cpu_utilization: int = Field(
        default=70, ge=10, le=95, description="autoscaler CPU target, percent"
    )
    off_peak_ratio: float = Field(
        default=0.25, gt=0, le=1, description="share of peak replicas kept at minimum, 0-1"
    )


class ServerSettings(StackModel):
    catalog: str = Field(pattern=SLUG, description="the name of an approved catalog entry")
    name: str | None = Field(
        default=None, pattern=SLUG, description="a DNS label; defaults to the catalog name"
    )
    tenant: str = Field(pattern=SLUG, description="one of the catalog entry's allowed tenants")
    peak_rps: float = Field(gt=0, description="peak requests per second, a number above 0")
    concurrent_connections: int | None = Field(
        default=None, gt=0, description="open connections at peak; defaults to peak RPS"
    )
    min_replicas: int | None = Field(default=None, ge=1, description="an HPA minimum >= 1")
    max_replicas: int | None = Field(default=None, ge=1, description="an HPA maximum >= 1")

    @model_validator(mode="after")
    def _bounds_in_order(self) -> ServerSettings:
        if self.min_replicas and self.max_replicas and self.min_replicas > self.max_replicas:
            raise ValueError(
                f"minReplicas ({self.min_replicas}) is above maxReplicas ({self.max_replicas})"
            )
        return self

    @property
    def deployed_name(self) -> str:
        return self.name or self.catalog


class LoadBalancerSettings(StackModel):
    deletion_protection: bool = Field(
        default=True, description="true to refuse deleting the ALB (prod), false for dev"
    )
    ssl_policy: str = Field(
        default="ELBSecurityPolicy-TLS13-1-2-2021-06",
        pattern=r"^ELBSecurityPolicy-TLS13-.+$",
        description="an ELB TLS 1.3 security policy name (ELBSecurityPolicy-TLS13-...)",
    )
    idle_timeout_seconds: int = Field(default=300, ge=1, le=4000, description="seconds, 1-4000")
    access_log_retention_days: int = Field(
        default=90, ge=1, description="days ALB access logs are kept"
    )


class PagingSettings(StackModel):
    emails: tuple[str, ...] = Field(default=(), description="addresses that receive pages")
    https_endpoints: tuple[str, ...] = Field(
        default=(), description="pager webhook URLs (https://...)"
    )

    @model_validator(mode="after")
    def _endpoints_are_https(self) -> PagingSettings:
        for endpoint in self.https_endpoints:
            if not endpoint.startswith("https://"):
                raise ValueError(
                    f"{endpoint!r} is not an https:// URL; pages leave the account only over TLS"
                )
        for email in self.emails:
            if "@" not in email.strip("@"):
                raise ValueError(f"{email!r} is not an email address, like oncall@example.com")
        return self


LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
    2922, 3288, 3653,
)  # fmt: skip
"""The only retention periods CloudWatch Logs accepts (PutRetentionPolicy)."""


class ObservabilitySettings(StackModel):
    log_retention_days: int = Field(
        default=30,
        description="CloudWatch Logs retention, one of CloudWatch's allowed values: "
        + ", ".join(str(days) for days in LOG_RETENTION_DAYS),
    )
    saturation_percent: int = Field(
        default=90,
        ge=50,
        le=100,
        description="percent of a pod's CPU or memory limit that, sustained, raises a "
        "saturation alarm (50-100)",
    )
    page: PagingSettings = Field(default=PagingSettings(), description="where pages go")
    ticket: PagingSettings = Field(default=PagingSettings(), description="where tickets go")
    page_from_dev: bool = Field(
        default=False, description="true to let dev alarms page; dev alarms only record otherwise"
    )

    @field_validator("log_retention_days")
    @classmethod
    def _retention_cloudwatch_accepts(cls, days: int) -> int:
        if days not in LOG_RETENTION_DAYS:
            closest = min(LOG_RETENTION_DAYS, key=lambda allowed: abs(allowed - days))
            raise ValueError(
                f"CloudWatch Logs cannot keep logs for {days} days; the nearest allowed "
                f"value is {closest}"
            )
        return days


class BackupDependency(StackModel):
    name: str = Field(pattern=SLUG, description="a DNS label naming the dependency")
    kind: Literal["postgres", "redis", "config"] = Field(
        description="one of postgres, redis, config"
    )
    secret_name: str | None = Field(
        default=None,
        pattern=SLUG,
        description="the Kubernetes Secret holding the connection URL (key 'url')",
    )
    config_map: str | None = Field(
        default=None, pattern=SLUG, description="for kind config: the ConfigMap to archive"
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


class BackupSettings(StackModel):
    retention_days: int = Field(default=30, ge=1, description="days backups are kept, like 30")
    object_lock: bool = Field(
        default=False, description="true to lock backups in governance mode for the retention"
    )
    replica_region: str | None = Field(
        default=None, pattern=REGION, description="a second AWS region to replicate backups to"
    )
    rpo_minutes: int = Field(
        default=60,
        ge=5,
        description="recovery point objective in minutes that divides an hour or is whole hours"
        " dividing a day (15, 30, 60, 120, 240, ...): backups run once per RPO",
    )
    rto_minutes: int = Field(default=30, ge=1, description="recovery time objective, minutes")
    ops_image: str = Field(
        pattern=DIGEST_IMAGE,
        description="the operator tools image pinned by digest (REPO@sha256:...)",
    )
    namespace: str = Field(default="mcp-ops", pattern=SLUG, description="namespace of backup jobs")
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


class StackSettings(StackModel):
    """Everything under the ``mcp-fleet:`` namespace of a stack file."""

    environment: Environment = Field(description="one of dev, staging, prod")
    cluster: ClusterSettings = Field(description="the existing cluster: name, oidcProviderArn")
    network: NetworkSettings = Field(description="the existing network")
    fleet: FleetSettings = Field(default=FleetSettings(), description="fleet defaults")
    slo: SloSettings = Field(default=SloSettings(), description="SLO defaults")
    servers: tuple[ServerSettings, ...] = Field(
        min_length=1, description="the catalog servers this stack runs"
    )
    load_balancer: LoadBalancerSettings = Field(
        default=LoadBalancerSettings(), description="load balancer settings"
    )
    observability: ObservabilitySettings = Field(
        default=ObservabilitySettings(), description="logs, alarms and paging"
    )
    backups: BackupSettings = Field(description="backup bucket and schedules")

    @model_validator(mode="after")
    def _server_names_unique(self) -> StackSettings:
        seen: set[str] = set()
        for server in self.servers:
            if server.deployed_name in seen:
                raise ValueError(
                    f"two servers are named {server.deployed_name!r}; give one a distinct name"
                )
            seen.add(server.deployed_name)
        return self
