"""What a rollout's analysis measures, and the limit each measurement must stay under.

Every threshold comes from the server's SLO through ``components/slo_math.py``, the module the
alarms use, so a rollout can never be judged more leniently than the alarms judge the server:

- the gate between batches holds the tool error ratio of the watch window to the **error
  budget** itself (a 1x burn: the release may spend budget no faster than the SLO allows);
- a background check reads the fast **page** tier's short window and aborts at once when the
  error ratio reaches that tier's burn threshold (the rate that would page someone);
- p95 tool latency stays within the SLO's ``p95_latency_ms``;
- the 5xx ratio of every request to the server (initialize and tools/list too) stays within
  the error budget;
- stateful servers: the share of requests answered "Session not found" stays within the
  error budget.

The source is the gateway (components/gateway_metrics.py), the primary SLI: it sees every call
a client makes, including the ones a crashing release never logs. The queries are CloudWatch
``GetMetricData`` queries in the shape of Argo Rollouts' ``CloudWatchMetricDataQuery``
(camelCase) on namespace ``McpFleet/Gateway/<environment>``, dimensions Tenant and Server,
with the alarms' ratio expression (``slo_math.ratio_expression``). Exactly one query per check
returns data: the value the condition reads.

Only pure modules are imported (slo_math, gateway_metrics), so the plan can be computed by the
program, the policy pack and the review alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from components.gateway_metrics import (
    SERVER_DIMENSION,
    TENANT_DIMENSION,
    gateway_metric,
    metric_namespace,
)
from components.slo_math import BURN_RATE_TIERS, BurnRateTier, Severity, burn_threshold
from components.slo_math import ratio_expression as _ratio

Query = Mapping[str, Any]


class SliKind(StrEnum):
    """The checks a rollout's analysis runs; the names of the AnalysisTemplate's metrics."""

    TOOL_ERROR_RATIO = "tool-error-ratio"
    TOOL_LATENCY_P95 = "tool-latency-p95"
    SERVER_5XX_RATIO = "server-5xx-ratio"
    SESSION_ERROR_RATIO = "session-error-ratio"
    FAST_BURN = "fast-burn"


@dataclass(frozen=True)
class SliCheck:
    """One measurement and its limit: the value must stay at or below ``threshold``."""

    kind: SliKind
    threshold: float
    unit: str
    """``ratio`` (0-1) or ``ms``."""
    lookback_seconds: int
    """How far back each measurement reads (the provider's ``interval``)."""
    derivation: str
    """Where the threshold comes from, in words a reviewer can check."""
    queries: tuple[Query, ...]


def fast_burn_tier() -> BurnRateTier:
    """The tier that pages soonest: the highest burn rate among the page tiers."""
    pages = [tier for tier in BURN_RATE_TIERS if tier.severity is Severity.PAGE]
    return max(pages, key=lambda tier: tier.burn_rate)


@dataclass(frozen=True)
class MeasuredServer:
    """Whose gateway metrics a check reads: the environment (in the namespace), tenant, server."""

    environment: str
    tenant: str
    server: str

    def query(self, query_id: str, key: str, period: int, stat: str = "Sum") -> Query:
        """One of the gateway's per-server metrics (``key`` of gateway_metrics), not returned."""
        return {
            "id": query_id,
            "metricStat": {
                "metric": {
                    "namespace": metric_namespace(self.environment),
                    "metricName": gateway_metric(key).metric_name,
                    "dimensions": [
                        {"name": TENANT_DIMENSION, "value": self.tenant},
                        {"name": SERVER_DIMENSION, "value": self.server},
                    ],
                },
                "period": period,
                "stat": stat,
            },
            "returnData": False,
        }


def _returned(query: Query) -> Query:
    return {**query, "returnData": True}


def _expression(query_id: str, expression: str, label: str) -> Query:
    return {"id": query_id, "expression": expression, "label": label, "returnData": True}


def error_ratio_queries(measured: MeasuredServer, period: int) -> tuple[Query, ...]:
    """Admitted tool calls answered 5xx over admitted tool calls, as the gateway alarms do."""
    return (
        measured.query("calls", "gateway-tool-calls", period),
        measured.query("errors", "gateway-tool-errors", period),
        _expression("ratio", _ratio("errors", "calls"), "tool error ratio at the gateway"),
    )


def _of_admitted(measured: MeasuredServer, key: str, label: str, period: int) -> tuple[Query, ...]:
    """Requests counted by ``key`` over every admitted request to the server."""
    return (
        measured.query("bad", key, period),
        measured.query("requests", "gateway-admitted-requests", period),
        _expression("ratio", _ratio("bad", "requests"), label),
    )


def tool_error_gate(measured: MeasuredServer, budget: float, window: int) -> SliCheck:
    return SliCheck(
        SliKind.TOOL_ERROR_RATIO,
        threshold=budget,
        unit="ratio",
        lookback_seconds=window,
        derivation="error budget of the SLO (1x burn): slo_math.error_budget",
        queries=error_ratio_queries(measured, window),
    )


def fast_burn_check(measured: MeasuredServer, budget: float) -> SliCheck:
    tier = fast_burn_tier()
    window = tier.short_window.seconds
    return SliCheck(
        SliKind.FAST_BURN,
        threshold=burn_threshold(tier.burn_rate, budget),
        unit="ratio",
        lookback_seconds=window,
        derivation=(
            f"page tier {tier.burn_rate:g}x burn over its {tier.short_window.label} window: "
            "slo_math.burn_threshold"
        ),
        queries=error_ratio_queries(measured, window),
    )


def latency_check(measured: MeasuredServer, p95_ms: int, window: int) -> SliCheck:
    return SliCheck(
        SliKind.TOOL_LATENCY_P95,
        threshold=float(p95_ms),
        unit="ms",
        lookback_seconds=window,
        derivation="p95 latency of the SLO (p95_latency_ms), at the gateway",
        queries=(_returned(measured.query("p95", "gateway-latency", window, stat="p95")),),
    )


def server_5xx_check(measured: MeasuredServer, budget: float, window: int) -> SliCheck:
    return SliCheck(
        SliKind.SERVER_5XX_RATIO,
        threshold=budget,
        unit="ratio",
        lookback_seconds=window,
        derivation="error budget of the SLO: a 5xx answer to any request fails the caller",
        queries=_of_admitted(measured, "gateway-server-errors", "5xx ratio at the gateway", window),
    )


def session_error_check(measured: MeasuredServer, budget: float, window: int) -> SliCheck:
    return SliCheck(
        SliKind.SESSION_ERROR_RATIO,
        threshold=budget,
        unit="ratio",
        lookback_seconds=window,
        derivation="error budget of the SLO: a lost session fails the caller like a failed call",
        queries=_of_admitted(
            measured, "gateway-session-errors", "session error ratio at the gateway", window
        ),
    )


def success_condition(check: SliCheck) -> str:
    """Argo Rollouts' expression over ``GetMetricData`` results: every point within the limit.

    ``result[0]`` is the one series the check returns; no points (no traffic) passes, as the
    alarms treat missing data as not breaching.
    """
    return f"all(result[0].Values, {{# <= {check.threshold!r}}})"
