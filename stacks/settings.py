"""What a stack file may set, as pydantic models; the keys are the stack file's keys.

Every field has a description because the description is the 'what would be right' half of
the error message a user gets when the value is wrong. Bounds are what AWS and Kubernetes
accept (docs/limits.md names the source of each); checks that need more than one field or
the catalog live in ``stacks.plan_checks`` and ``stacks.quotas``.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, Strict, field_validator, model_validator

from stacks.audit_settings import AuditSettings, TelemetrySettings
from stacks.aws_identifiers import TLS13_SECURITY_POLICIES
from stacks.environment import Environment
from stacks.model_base import (
    INT32_MAX,
    CamelModel,
    CidrBlock,
    DnsLabel,
    Flag,
    Integer,
    Number,
    Tenant,
)
from stacks.operations_settings import (
    LOG_RETENTION_DAYS,
    BackupDependency,
    BackupSettings,
    ObservabilitySettings,
    PagingSettings,
)
from stacks.tenant_settings import TenantSettings
from stacks.waf_settings import WafSettings

__all__ = [
    "LOG_RETENTION_DAYS",
    "AuditSettings",
    "BackupDependency",
    "BackupSettings",
    "ClusterSettings",
    "FleetSettings",
    "LoadBalancerSettings",
    "NetworkSettings",
    "ObservabilitySettings",
    "PagingSettings",
    "ServerSettings",
    "SloSettings",
    "StackSettings",
    "TelemetrySettings",
]

ARN_ACM = r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$"
ARN_OIDC = r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/.+$"
VPC_ID = r"^vpc-[0-9a-f]{8,17}$"
SUBNET_ID = r"^subnet-[0-9a-f]{8,17}$"
DOMAIN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
EKS_CLUSTER_NAME = r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$"
MAX_PEAK_RPS = 1_000_000
"""Far above what one ALB's 1,000 targets can serve; keeps the capacity arithmetic finite."""


def _subnet_id(subnet: str) -> str:
    if not re.match(SUBNET_ID, subnet):
        raise ValueError(f"{subnet!r} is not a subnet id; subnet ids look like subnet-0abc1234")
    return subnet


SubnetId = Annotated[str, Strict(), AfterValidator(_subnet_id)]


class ClusterSettings(CamelModel):
    name: str = Field(
        pattern=EKS_CLUSTER_NAME,
        description="the existing EKS cluster's name: 1-100 letters, digits, hyphens and "
        "underscores, starting with a letter or digit",
    )
    oidc_provider_arn: str = Field(
        pattern=ARN_OIDC,
        description="the cluster's IAM OIDC provider ARN (arn:aws:iam::ACCOUNT:oidc-provider/...)"
        " used for IAM roles for service accounts",
    )


class NetworkSettings(CamelModel):
    vpc_id: str = Field(pattern=VPC_ID, description="the existing VPC id, like vpc-0abc1234")
    public_subnet_ids: tuple[SubnetId, ...] = Field(
        min_length=2, description="at least two public subnet ids (subnet-...) in different zones"
    )
    private_subnet_ids: tuple[SubnetId, ...] = Field(
        min_length=2, description="at least two private subnet ids (subnet-...) for the pods"
    )
    certificate_arn: str = Field(
        pattern=ARN_ACM, description="an ACM certificate ARN covering *.DOMAIN"
    )
    domain: str = Field(
        pattern=DOMAIN,
        max_length=200,
        description="the DNS zone servers are routed under, like mcp.example.com (lowercase, "
        "at most 200 characters so a server name fits in front)",
    )
    ingress_cidrs: tuple[CidrBlock, ...] = Field(
        default=("0.0.0.0/0",),
        min_length=1,
        description="CIDR blocks allowed to reach the ALB, like 203.0.113.0/24",
    )


class SloSettings(CamelModel):
    tool_success_rate: Number = Field(
        default=99.0, gt=0, lt=100, description="a percentage below 100, like 99.0"
    )
    p95_latency_ms: Integer = Field(
        default=400, gt=0, le=3_600_000, description="milliseconds, like 400"
    )


class FleetSettings(CamelModel):
    owner: str = Field(
        default="platform",
        pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
        description="the team owning fleet-wide resources (load balancer, buckets), a slug",
    )
    drain_seconds: Integer = Field(
        default=30, ge=5, le=300, description="seconds to drain connections before a pod stops"
    )
    rollout_batch_percent: Integer = Field(
        default=25, ge=1, le=50, description="percent of replicas replaced at once (1-50)"
    )
    watch_seconds: Integer = Field(
        default=60,
        ge=60,
        le=3600,
        multiple_of=60,
        description="seconds a rollout watches each batch before its analysis, whole minutes "
        "from 60 to 3600 (CloudWatch log metrics have one-minute periods), like 60",
    )
    min_replicas: Integer = Field(
        default=2, ge=1, le=1000, description="the fewest replicas any server runs, 1-1000"
    )
    headroom: Number = Field(
        default=0.5, ge=0, le=4, description="capacity buffer over peak, 0.5 for 50 %"
    )
    cores_per_node: Number = Field(
        default=4, gt=0, le=896, description="CPU cores of one worker node (EC2 tops out at 896)"
    )
    target_cpu_utilization: Integer = Field(
        default=70, ge=10, le=95, description="autoscaler CPU target, percent"
    )
    off_peak_ratio: Number = Field(
        default=0.25, gt=0, le=1, description="share of peak replicas kept at minimum, 0-1"
    )


class ServerSettings(CamelModel):
    catalog: DnsLabel = Field(description="the name of an approved catalog entry")
    name: DnsLabel | None = Field(
        default=None,
        description="a DNS label (lowercase ASCII, at most 40); defaults to the catalog name",
    )
    tenant: Tenant = Field(
        description="one of the catalog entry's allowed tenants (lowercase ASCII, at most 30)"
    )
    peak_rps: Number = Field(
        gt=0, le=MAX_PEAK_RPS, description="peak requests per second, a number above 0"
    )
    concurrent_connections: Integer | None = Field(
        default=None,
        gt=0,
        le=100_000_000,
        description="open connections at peak; defaults to peak RPS",
    )
    min_replicas: Integer | None = Field(
        default=None, ge=1, le=INT32_MAX, description="an HPA minimum >= 1"
    )
    max_replicas: Integer | None = Field(
        default=None, ge=1, le=INT32_MAX, description="an HPA maximum >= 1"
    )

    @model_validator(mode="after")
    def _bounds_in_order(self) -> ServerSettings:
        if self.min_replicas and self.max_replicas and self.min_replicas > self.max_replicas:
            raise ValueError(
                f"minReplicas ({self.min_replicas}) is above maxReplicas ({self.max_replicas}); "
                "raise maxReplicas or lower minReplicas"
            )
        return self

    @property
    def deployed_name(self) -> str:
        return self.name or self.catalog


class LoadBalancerSettings(CamelModel):
    deletion_protection: Flag = Field(
        default=True, description="true to refuse deleting the ALB (prod), false for dev"
    )
    ssl_policy: str = Field(
        default="ELBSecurityPolicy-TLS13-1-2-2021-06",
        description="an ELB TLS 1.3 security policy name, like "
        "ELBSecurityPolicy-TLS13-1-2-2021-06 (see docs/limits.md)",
    )
    idle_timeout_seconds: Integer = Field(default=300, ge=1, le=4000, description="seconds, 1-4000")
    access_log_retention_days: Integer = Field(
        default=90, ge=1, le=36500, description="days ALB access logs are kept, 1-36500"
    )
    waf: WafSettings = Field(
        default=WafSettings(),
        description="the web ACL's rate rule: requestsPerWindow, windowSeconds",
    )

    @field_validator("ssl_policy")
    @classmethod
    def _policy_exists(cls, name: str) -> str:
        if name in TLS13_SECURITY_POLICIES:
            return name
        import difflib

        close = difflib.get_close_matches(name, sorted(TLS13_SECURITY_POLICIES), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ValueError(
            f"{name!r} is not an ALB security policy offering TLS 1.3; {hint}"
            "the names are listed in docs/limits.md"
        )


class StackSettings(CamelModel):
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
    audit: AuditSettings = Field(
        default=AuditSettings(),
        description="the audit trail: archiveRetentionYears, logRetentionDays, breakGlassRoleArn",
    )
    telemetry: TelemetrySettings = Field(
        default=TelemetrySettings(),
        description="the OpenTelemetry collector: namespace, replicas, sampleRatio, "
        "metricsNamespace, metricsLogRetentionDays",
    )
    tenants: tuple[TenantSettings, ...] = Field(
        min_length=1,
        description="the tenants whose servers this stack runs: name, owner, identity "
        "(issuer, keyFiles), quota, rateLimit, monthlyBudgetUsd",
    )
