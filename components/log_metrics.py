"""The fleet's log contract as data: the fields every server logs, and the metrics read from them.

MCP tool failures mostly come back as JSON-RPC results with ``isError`` inside HTTP 200
responses, so the load balancer's 5xx count cannot measure tool success. Every server
therefore writes one JSON line per tool call, per policy decision and per dependency check
(docs/observability.md, "Log contract"); CloudWatch metric filters count them.

The lines reach CloudWatch through the Container Insights Fluent Bit pipeline, whose
Kubernetes filter parses a JSON log line and nests it under ``log_processed`` (its
``Merge_Log_Key``), next to ``kubernetes`` metadata. The patterns therefore select
``$.log_processed.<field>``.

Dimensions (CloudWatch allows three per metric filter, and disables a filter that publishes
more than 1,000 dimension combinations in an hour): every metric is per Environment, Tenant
and Server, so a tenant's traffic, errors and SLO can be read on their own (issue 12) and
environments sharing an account never mix. The error-class metric needs a third dimension for
the class, so it is per Tenant, Server and ErrorClass: the environment is the one value it
drops, which costs nothing when each environment has its own account (as the example stacks
do) and sums environments only in an account several share. Server names are unique in a
stack and a server runs for one tenant, so Tenant adds no combinations: a filter publishes one
per server (times the ten error classes for the error-class metric), which keeps 99 servers a
stack under the 1,000 limit even if every class occurred in one hour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

NAMESPACE = "McpFleet/Tools"
"""Custom metric namespace of everything read from the fleet's logs."""

ENVIRONMENT_DIMENSION = "Environment"
TENANT_DIMENSION = "Tenant"
SERVER_DIMENSION = "Server"
ERROR_CLASS_DIMENSION = "ErrorClass"

MERGE_LOG_KEY = "log_processed"
"""Where Container Insights' Fluent Bit nests a parsed JSON log line."""


def field_selector(name: str) -> str:
    """``server`` -> ``$.log_processed.server``: a field of the server's own log line."""
    return f"$.{MERGE_LOG_KEY}.{name}"


class Event(StrEnum):
    """The ``event`` field: which kind of line this is."""

    TOOL_CALL = "tool_call"
    POLICY_DECISION = "policy_decision"
    DEPENDENCY_CHECK = "dependency_check"


class Outcome(StrEnum):
    """How a tool call ended, for the SLO.

    ``error`` is the server failing the caller and spends error budget; ``rejected`` is a
    call refused for the caller's own reasons (bad arguments, unknown tool, policy, quota)
    and does not.
    """

    SUCCESS = "success"
    ERROR = "error"
    REJECTED = "rejected"


class ErrorClass(StrEnum):
    """The bounded set of ``error_class`` values: each is a metric dimension value."""

    TIMEOUT = "timeout"
    DEPENDENCY = "dependency"
    INTERNAL = "internal"
    CANCELLED = "cancelled"
    INVALID_PARAMS = "invalid_params"
    UNKNOWN_TOOL = "unknown_tool"
    UNAUTHORIZED = "unauthorized"
    POLICY_DENIED = "policy_denied"
    RATE_LIMITED = "rate_limited"
    QUOTA_EXCEEDED = "quota_exceeded"

    @property
    def outcome(self) -> Outcome:
        """Which outcome a call failing with this class has: budget-spending or not."""
        return Outcome.ERROR if self in SERVER_FAULTS else Outcome.REJECTED


SERVER_FAULTS = frozenset(
    {ErrorClass.TIMEOUT, ErrorClass.DEPENDENCY, ErrorClass.INTERNAL, ErrorClass.CANCELLED}
)


class Decision(StrEnum):
    """The ``decision`` field of a policy decision line."""

    ALLOW = "allow"
    DENY = "deny"
    REQUIRE_APPROVAL = "require_approval"


class DependencyStatus(StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"


TOOL_CALL_FIELDS: dict[str, str] = {
    "timestamp": "RFC 3339 UTC time the call finished, like 2026-11-26T18:04:42.386Z",
    "level": "info for success, warn for rejected, error for error",
    "event": "tool_call",
    "request_id": "the JSON-RPC request id as the server received it",
    "correlation_id": "the gateway's id for the whole agent turn (X-Correlation-Id), "
    "the same on every line of every server the turn touched",
    "environment": "dev, staging or prod (MCP_ENVIRONMENT)",
    "tenant": "the tenant the server runs for (MCP_TENANT)",
    "server": "the deployed server name (MCP_SERVER)",
    "tool": "the tool name from tools/call",
    "outcome": "success, error or rejected",
    "duration_ms": "milliseconds from request received to response written, a number",
    "error_class": "one of the ErrorClass values; absent on success",
}
"""Fields of a tool-call line (the README's table is generated from the same words)."""

POLICY_DECISION_FIELDS: dict[str, str] = {
    "timestamp": "RFC 3339 UTC time of the decision",
    "level": "info for allow, warn for deny and require_approval",
    "event": "policy_decision",
    "request_id": "the tool call's JSON-RPC request id",
    "correlation_id": "the gateway's correlation id",
    "environment": "dev, staging or prod",
    "tenant": "the tenant",
    "server": "the deployed server name",
    "tool": "the tool the decision is about",
    "policy": "the id of the policy that decided",
    "decision": "allow, deny or require_approval",
    "principal": "who asked: the caller's opaque subject id, never a token",
    "reason": "why, in words an auditor can read",
}

DEPENDENCY_CHECK_FIELDS: dict[str, str] = {
    "timestamp": "RFC 3339 UTC time of the check",
    "level": "info when up, warn when degraded, error when down",
    "event": "dependency_check",
    "environment": "dev, staging or prod",
    "tenant": "the tenant",
    "server": "the deployed server name",
    "dependency": "the dependency's name, like github-api or analytics-replica",
    "status": "up, degraded or down",
    "duration_ms": "how long the check took, a number",
}


@dataclass(frozen=True)
class LogMetric:
    """One metric filter: a pattern over log lines and the metric each match adds to."""

    key: str
    """Short slug naming the filter: tool-calls, tool-errors, ..."""
    metric_name: str
    pattern: str
    value: str = "1"
    unit: str = "Count"
    extra_dimensions: dict[str, str] = field(default_factory=dict)
    description: str = ""

    @property
    def per_environment(self) -> bool:
        """Environment is a dimension unless a third one (the error class) takes its place."""
        return not self.extra_dimensions

    @property
    def dimensions(self) -> dict[str, str]:
        """Dimension name -> JSON selector: per environment (or extra), tenant and server."""
        environment = (
            {ENVIRONMENT_DIMENSION: field_selector("environment")} if self.per_environment else {}
        )
        return {
            **environment,
            TENANT_DIMENSION: field_selector("tenant"),
            SERVER_DIMENSION: field_selector("server"),
            **self.extra_dimensions,
        }

    def server_dimensions(self, environment: str, tenant: str, server: str) -> dict[str, str]:
        """The values a query names to read one server's series (extra dimensions left out)."""
        values = {ENVIRONMENT_DIMENSION: environment} if self.per_environment else {}
        return {**values, TENANT_DIMENSION: tenant, SERVER_DIMENSION: server}


def _pattern(*conditions: str) -> str:
    return "{ " + " && ".join(conditions) + " }"


def _equals(name: str, value: str) -> str:
    return f'{field_selector(name)} = "{value}"'


def _either(name: str, *values: str) -> str:
    return "(" + " || ".join(_equals(name, value) for value in values) + ")"


TOOL_CALL = _equals("event", Event.TOOL_CALL)

LOG_METRICS: tuple[LogMetric, ...] = (
    LogMetric(
        "tool-calls",
        "ToolCalls",
        _pattern(TOOL_CALL),
        description="every tool call: traffic",
    ),
    LogMetric(
        "tool-errors",
        "ToolErrors",
        _pattern(TOOL_CALL, _equals("outcome", Outcome.ERROR)),
        description="calls the server failed: the SLO's bad events",
    ),
    LogMetric(
        "tool-rejections",
        "ToolRejections",
        _pattern(TOOL_CALL, _equals("outcome", Outcome.REJECTED)),
        description="calls refused for the caller's reasons: outside the SLO",
    ),
    LogMetric(
        "tool-latency",
        "ToolLatency",
        _pattern(TOOL_CALL, f"{field_selector('duration_ms')} >= 0"),
        value=field_selector("duration_ms"),
        unit="Milliseconds",
        description="duration of every tool call",
    ),
    LogMetric(
        "tool-errors-by-class",
        "ToolErrorsByClass",
        _pattern(TOOL_CALL, _either("outcome", Outcome.ERROR, Outcome.REJECTED)),
        extra_dimensions={ERROR_CLASS_DIMENSION: field_selector("error_class")},
        description="failed and rejected calls by error class",
    ),
    LogMetric(
        "policy-denials",
        "PolicyDenials",
        _pattern(_equals("event", Event.POLICY_DECISION), _equals("decision", Decision.DENY)),
        description="tool calls a policy denied",
    ),
    LogMetric(
        "approvals",
        "Approvals",
        _pattern(
            _equals("event", Event.POLICY_DECISION),
            _equals("decision", Decision.REQUIRE_APPROVAL),
        ),
        description="tool calls held for a human approval",
    ),
    LogMetric(
        "dependency-failures",
        "DependencyCheckFailures",
        _pattern(
            _equals("event", Event.DEPENDENCY_CHECK),
            _either("status", DependencyStatus.DEGRADED, DependencyStatus.DOWN),
        ),
        description="dependency checks that found a dependency degraded or down",
    ),
)

BY_KEY = {metric.key: metric for metric in LOG_METRICS}


def metric(key: str) -> LogMetric:
    return BY_KEY[key]
