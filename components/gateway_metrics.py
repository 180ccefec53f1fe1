"""The gateway's access log as metrics: requests, tool success, latency and denials, per server.

Every request through the gateway writes one JSON line (gateway/log_format.py) to stdout;
Container Insights' Fluent Bit ships it, like every container's line, to the cluster's
``application`` log group, parsed under ``log_processed`` beside the pod's ``kubernetes``
metadata. The patterns here select the gateway's lines by their namespace, so a server that
happened to log a ``denial`` field is never counted as the gateway.

Why these metrics are the primary SLI: the gateway sees every call a client makes, including
the ones a dead or unreachable server never logs, and it measures remote servers, which have
no logs of ours at all. A tool call counts for the SLO when the gateway let it through
(``denial`` is ``-``: a denial is the caller's fault, like a server's ``rejected``); it failed
when the answer was a 5xx (the upstream's, or the gateway's own 502/503/504 when the upstream
is down or slow). A JSON-RPC error inside a 200 is invisible to the gateway: the servers'
``isError`` lines stay as the secondary signal (components/log_metrics.py).

CloudWatch allows three dimensions per metric filter and disables a filter that publishes more
than 1,000 dimension combinations an hour, so the ``Tool`` dimension is only read from calls
the gateway admitted (an approved tool of the catalog, a bounded set); a denied call's tool is
whatever the client sent. The environment is in the metric namespace, since Tenant, Server and
Tool take the three dimensions.

Progressive delivery (delivery/analysis.py) reads three more per server: every admitted
request (any method), those answered 5xx, and those answered 404 "Session not found", the
stateful servers' lost sessions. A pinned session whose replica just died is answered 503 by
the gateway until its health check marks the replica down (a 5xx), and 404 by a live replica
after that (a session error): both kinds of loss are counted, once each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from components.log_metrics import MERGE_LOG_KEY, field_selector

NAMESPACE_PREFIX = "McpFleet/Gateway"
TENANT_DIMENSION = "Tenant"
SERVER_DIMENSION = "Server"
TOOL_DIMENSION = "Tool"
REASON_DIMENSION = "Reason"

TOOLS_CALL = "tools/call"
NOT_DENIED = "-"
"""The access log writes a missing value as ``-``: no denial reason, the gateway let it pass."""
NO_SERVER = "-"
"""``server`` of a request no route matched (the gateway's own 404): no server to hold to it."""
SESSION_NOT_FOUND = 404
"""What an MCP server answers a request whose ``Mcp-Session-Id`` it does not know (the
streamable HTTP transport's rule); behind the gateway the path is always the server's MCP
endpoint, so a routed, admitted request answered 404 is a lost session."""

DENIAL_REASONS = (
    "unauthenticated",
    "forbidden-tenant",
    "tool-not-approved",
    "rate-limited",
    "bad-request",
)
"""Values of the ``denial`` field (gateway/frontend.py sets ``txn.denial`` to one of them)."""

DEFAULT_GATEWAY_NAMESPACE = "mcp-gateway"
"""The Kubernetes namespace the gateway runs in (components/platform_args.py)."""


def metric_namespace(environment: str) -> str:
    """``McpFleet/Gateway/prod``: the environment the dimensions have no room for."""
    return f"{NAMESPACE_PREFIX}/{environment}"


@dataclass(frozen=True)
class GatewayMetric:
    """One metric filter over the gateway's access-log lines."""

    key: str
    """Filter slug: gateway-tool-calls, ...

    A metric per dimension set (ToolCalls per server, ToolCallsByTool per tool), never one name
    under two sets: a query then names exactly one series, in CloudWatch as in moto."""
    metric_name: str
    conditions: tuple[str, ...]
    dimension_fields: dict[str, str] = field(default_factory=dict)
    """Dimension name -> access-log field."""
    value: str = "1"
    unit: str = "Count"
    description: str = ""

    def pattern(self, gateway_namespace: str) -> str:
        """The filter pattern: the gateway's own lines, then this metric's conditions."""
        mine = f'$.kubernetes.namespace_name = "{gateway_namespace}"'
        return "{ " + " && ".join((mine, *self.conditions)) + " }"

    @property
    def dimensions(self) -> dict[str, str]:
        return {
            name: field_selector(log_field) for name, log_field in self.dimension_fields.items()
        }


def _equals(name: str, value: str) -> str:
    return f'{field_selector(name)} = "{value}"'


ADMITTED_CALL = (_equals("method", TOOLS_CALL), _equals("denial", NOT_DENIED))
"""A tools/call the gateway let through: what the SLO counts."""
ADMITTED_REQUEST = (f'{field_selector("server")} != "{NO_SERVER}"', _equals("denial", NOT_DENIED))
"""Any request to a server the gateway let through: initialize, tools/list, tools/call, the
session's GET stream and DELETE. What a rollout's 5xx and session-error ratios divide by."""
FAILED = f"{field_selector('status')} >= 500"
SESSION_LOST = f"{field_selector('status')} = {SESSION_NOT_FOUND}"
PER_SERVER = {TENANT_DIMENSION: "tenant", SERVER_DIMENSION: "server"}
PER_TOOL = {**PER_SERVER, TOOL_DIMENSION: "tool"}
LATENCY = field_selector("latency_ms")

GATEWAY_METRICS: tuple[GatewayMetric, ...] = (
    GatewayMetric(
        "gateway-requests",
        "Requests",
        (f"{field_selector('status')} >= 0",),
        PER_SERVER,
        description="every request the gateway answered, denied or not: traffic",
    ),
    GatewayMetric(
        "gateway-tool-calls",
        "ToolCalls",
        ADMITTED_CALL,
        PER_SERVER,
        description="tool calls the gateway let through: the SLO's eligible events",
    ),
    GatewayMetric(
        "gateway-tool-errors",
        "ToolErrors",
        (*ADMITTED_CALL, FAILED),
        PER_SERVER,
        description="admitted tool calls answered 5xx: the SLO's bad events",
    ),
    GatewayMetric(
        "gateway-latency",
        "Latency",
        (*ADMITTED_CALL, f"{LATENCY} >= 0"),
        PER_SERVER,
        value=LATENCY,
        unit="Milliseconds",
        description="time to answer each admitted tool call, for p50/p95/p99",
    ),
    GatewayMetric(
        "gateway-tool-calls-by-tool",
        "ToolCallsByTool",
        ADMITTED_CALL,
        PER_TOOL,
        description="admitted tool calls per approved tool",
    ),
    GatewayMetric(
        "gateway-tool-errors-by-tool",
        "ToolErrorsByTool",
        (*ADMITTED_CALL, FAILED),
        PER_TOOL,
        description="admitted tool calls answered 5xx, per approved tool",
    ),
    GatewayMetric(
        "gateway-latency-by-tool",
        "LatencyByTool",
        (*ADMITTED_CALL, f"{LATENCY} >= 0"),
        PER_TOOL,
        value=LATENCY,
        unit="Milliseconds",
        description="time to answer each admitted tool call, per approved tool",
    ),
    GatewayMetric(
        "gateway-admitted-requests",
        "AdmittedRequests",
        ADMITTED_REQUEST,
        PER_SERVER,
        description="requests to a server the gateway let through, any method: the rollout "
        "analysis' denominator for 5xx and session errors",
    ),
    GatewayMetric(
        "gateway-server-errors",
        "ServerErrors",
        (*ADMITTED_REQUEST, FAILED),
        PER_SERVER,
        description="admitted requests of any method answered 5xx (a release whose initialize "
        "fails never gets to a tool call)",
    ),
    GatewayMetric(
        "gateway-session-errors",
        "SessionErrors",
        (*ADMITTED_REQUEST, SESSION_LOST),
        PER_SERVER,
        description="admitted requests answered 404 'Session not found': a session its "
        "replica no longer holds (replaced, drained too early, dead); the client must "
        "re-initialize",
    ),
    GatewayMetric(
        "gateway-denials",
        "Denials",
        (f'{field_selector("denial")} != "{NOT_DENIED}"',),
        {**PER_SERVER, REASON_DIMENSION: "denial"},
        description="requests the gateway refused, by reason",
    ),
)

BY_KEY = {metric.key: metric for metric in GATEWAY_METRICS}


def gateway_metric(key: str) -> GatewayMetric:
    return BY_KEY[key]


__all__ = [
    "DEFAULT_GATEWAY_NAMESPACE",
    "DENIAL_REASONS",
    "GATEWAY_METRICS",
    "MERGE_LOG_KEY",
    "GatewayMetric",
    "gateway_metric",
    "metric_namespace",
]
