"""The review's report model: what a stack declares and what the policy pack said of it.

Every output format (text, JSON, and whatever comes later) is a view of this one model, so
they can never disagree. Field names are the JSON's; ``docs/review.md`` documents each one.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from review.changes_model import StackChanges


class ReportModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class ResourceEntry(ReportModel):
    """One registered resource, as the engine would receive it."""

    urn: str
    type: str
    name: str
    parent: str | None
    inputs: dict[str, Any]
    """Inputs as sent to the engine: camelCase keys, secrets ``[secret]``."""
    dependencies: list[str]


class Summary(ReportModel):
    total: int
    by_type: dict[str, int]


class Replicas(ReportModel):
    """The autoscaler's bounds as declared on the HorizontalPodAutoscaler."""

    min: int | None
    max: int | None


class ResourceAmounts(ReportModel):
    cpu: str
    memory: str


class Capacity(ReportModel):
    """The capacity plan for one server at its peak, headroom included."""

    peak_rps: float
    cores_needed: float
    memory_needed_mb: float
    nodes: int
    requests: ResourceAmounts
    limits: ResourceAmounts
    min_replicas: int
    max_replicas: int


class Slo(ReportModel):
    tool_success_rate: float
    p95_latency_ms: int
    error_budget: float
    exception: bool
    """True when the catalog entry carries a signed exception to the fleet baseline."""


class Alarm(ReportModel):
    """A CloudWatch alarm guarding one server (tagged ``mcp-fleet.io/server``)."""

    name: str
    """The alarm's name in CloudWatch (its logical name when it sets none)."""
    kind: str | None
    """The ``mcp-fleet.io/alarm-kind`` tag: what the alarm watches."""
    type: str
    """``metric`` or ``composite``."""
    urn: str


class Route(ReportModel):
    """How requests reach the server: listener rule host names into its target group."""

    hosts: list[str]
    priority: int | None
    listener_rule: str


class Server(ReportModel):
    name: str
    tenant: str
    namespace: str | None
    image: str | None
    hostname: str
    replicas: Replicas
    capacity: Capacity
    slo: Slo
    alarms: list[Alarm]
    target_group: str | None
    binding: str | None
    route: Route | None = None
    """Shown in the text report; the JSON keeps to the documented server fields."""


class PolicyResult(ReportModel):
    """One diagnostic from the policy pack."""

    policy: str
    pack: str
    level: str | None
    """The policy's severity (low, medium, high, critical), when it declares one."""
    enforcement: str
    """advisory, mandatory, remediate or disabled: mandatory (and remediate) fail the review."""
    urn: str
    message: str

    @property
    def blocking(self) -> bool:
        return self.enforcement in ("mandatory", "remediate")


class PolicyRun(ReportModel):
    """Which pack judged the stack, with which config, and whether it was run at all."""

    pack: str
    version: str
    config_file: str | None
    policies: dict[str, str]
    """Every policy the pack declares, by name, with its description."""


class TenantSummary(ReportModel):
    """A tenant as the plan uses it: its servers at peak against its quota, budget, issuer."""

    name: str
    owner: str
    issuer: str
    servers: list[str]
    pods_at_peak: int
    quota_pods: int
    cpu_millicores_at_peak: int
    quota_cpu_millicores: int
    memory_mib_at_peak: int
    quota_memory_mib: int
    monthly_budget_usd: float


class GatewayRoute(ReportModel):
    """One route of the gateway, as its rendered configuration (ConfigMap) sends it."""

    server: str
    resource: str
    """The route's public URL (its token audience): ``https://<domain>/<server>/mcp``."""
    tenant: str
    session: str
    """``pinned`` (stateful: Mcp-Session-Id to one replica), ``per-request`` or ``one-upstream``."""
    approved_tools: list[str]
    kind: str
    """``local`` (replicas in the cluster) or ``remote`` (https outside it)."""
    upstream: str


class GatewaySummary(ReportModel):
    """The gateway a stack deploys, read from its rendered ConfigMap, Deployment and HPA."""

    namespace: str | None
    replicas: int | None
    min_replicas: int | None
    max_replicas: int | None
    routes: list[GatewayRoute]


class Review(ReportModel):
    project: str
    stack: str
    resources: list[ResourceEntry]
    summary: Summary
    servers: list[Server]
    policy: list[PolicyResult]
    tenants: list[TenantSummary] = []
    gateway: GatewaySummary | None = None
    """The gateway and its routes; None when the stack renders no gateway."""
    policy_run: PolicyRun | None = None
    """How the policy results came about; None when the pack was not run."""
    exports: dict[str, Any] = {}
    changes: StackChanges | None = None
    """The comparison with a base revision (``--base``); None when there was none."""

    @property
    def mandatory_violations(self) -> list[PolicyResult]:
        return [result for result in self.policy if result.blocking]
