"""What a rollout's analysis measures, and the limit each measurement must stay under.

Every threshold comes from the server's SLO through ``components/slo_math.py``, the module the
alarms use, so a rollout can never be judged more leniently than the alarms judge the server:

- the gate between batches holds the error ratio of the watch window to the **error budget**
  itself (a 1x burn: the release may spend budget no faster than the SLO allows);
- a background check reads the fast **page** tier's short window and aborts at once when the
  error ratio reaches that tier's burn threshold (the rate that would page someone);
- p95 tool latency stays within the SLO's ``p95_latency_ms``;
- the load balancer's 5xx ratio stays within the error budget;
- stateful servers: session errors stay within the error budget.

The queries are CloudWatch ``GetMetricData`` queries in the shape of Argo Rollouts'
``CloudWatchMetricDataQuery`` (camelCase), on the metrics the fleet already emits
(``components/log_metrics.py``: namespace ``McpFleet/Tools``, dimensions Environment and
Server). Exactly one query per check returns data: the value the condition reads.

Only standard-library modules are imported (slo_math, log_metrics, policy.contract), so the
plan can be computed by the program, the policy pack and the review alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from components.log_metrics import ENVIRONMENT_DIMENSION, NAMESPACE, SERVER_DIMENSION, metric
from components.slo_math import BURN_RATE_TIERS, BurnRateTier, Severity, burn_threshold

ALB_NAMESPACE = "AWS/ApplicationELB"

SESSION_ERRORS_METRIC = "SessionErrors"
"""Session failures of a stateful server ("session not found" answers), per Environment and
Server in ``McpFleet/Tools``. The log contract does not count them yet: until a metric filter
does (a follow-up for components/log_metrics.py with the gateway of issue 11), the query finds
no data points, and a check without data passes, as a quiet server's does."""

Query = Mapping[str, Any]


class SliKind(StrEnum):
    """The checks a rollout's analysis runs; the names of the AnalysisTemplate's metrics."""

    TOOL_ERROR_RATIO = "tool-error-ratio"
    TOOL_LATENCY_P95 = "tool-latency-p95"
    TARGET_5XX_RATIO = "target-5xx-ratio"
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


def _dimensions(environment: str, server: str) -> list[dict[str, str]]:
    return [
        {"name": ENVIRONMENT_DIMENSION, "value": environment},
        {"name": SERVER_DIMENSION, "value": server},
    ]


def _stat_query(
    query_id: str,
    namespace: str,
    metric_name: str,
    dimensions: list[dict[str, str]],
    period: int,
    stat: str = "Sum",
    *,
    returns: bool = False,
) -> dict[str, Any]:
    return {
        "id": query_id,
        "metricStat": {
            "metric": {"namespace": namespace, "metricName": metric_name, "dimensions": dimensions},
            "period": period,
            "stat": stat,
        },
        "returnData": returns,
    }


def _log_query(query_id: str, key: str, environment: str, server: str, period: int) -> Query:
    return _stat_query(
        query_id, NAMESPACE, metric(key).metric_name, _dimensions(environment, server), period
    )


def _expression(query_id: str, expression: str, label: str, *, returns: bool) -> Query:
    return {"id": query_id, "expression": expression, "label": label, "returnData": returns}


def _ratio(numerator: str, denominator: str) -> str:
    """``numerator / denominator``; 0 when nothing failed or nothing was served."""
    return f"IF({denominator} > 0, FILL({numerator}, 0) / {denominator}, 0)"


def error_ratio_queries(environment: str, server: str, period: int) -> tuple[Query, ...]:
    """Failed calls over the calls the SLO counts (all but rejected ones), as the alarms do."""
    return (
        _log_query("calls", "tool-calls", environment, server, period),
        _log_query("errors", "tool-errors", environment, server, period),
        _log_query("rejected", "tool-rejections", environment, server, period),
        _expression("eligible", "calls - FILL(rejected, 0)", "calls the SLO counts", returns=False),
        _expression("ratio", _ratio("errors", "eligible"), "error ratio", returns=True),
    )


def tool_error_gate(environment: str, server: str, budget: float, window: int) -> SliCheck:
    return SliCheck(
        SliKind.TOOL_ERROR_RATIO,
        threshold=budget,
        unit="ratio",
        lookback_seconds=window,
        derivation="error budget of the SLO (1x burn): slo_math.error_budget",
        queries=error_ratio_queries(environment, server, window),
    )


def fast_burn_check(environment: str, server: str, budget: float) -> SliCheck:
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
        queries=error_ratio_queries(environment, server, window),
    )


def latency_check(environment: str, server: str, p95_ms: int, window: int) -> SliCheck:
    latency = metric("tool-latency")
    return SliCheck(
        SliKind.TOOL_LATENCY_P95,
        threshold=float(p95_ms),
        unit="ms",
        lookback_seconds=window,
        derivation="p95 latency of the SLO (p95_latency_ms)",
        queries=(
            _stat_query(
                "p95",
                NAMESPACE,
                latency.metric_name,
                _dimensions(environment, server),
                window,
                stat="p95",
                returns=True,
            ),
        ),
    )


def target_5xx_check(load_balancer: str, target_group: str, budget: float, window: int) -> SliCheck:
    dimensions = [
        {"name": "LoadBalancer", "value": load_balancer},
        {"name": "TargetGroup", "value": target_group},
    ]
    return SliCheck(
        SliKind.TARGET_5XX_RATIO,
        threshold=budget,
        unit="ratio",
        lookback_seconds=window,
        derivation="error budget of the SLO: a 5xx answer fails the caller",
        queries=(
            _stat_query(
                "target5xx", ALB_NAMESPACE, "HTTPCode_Target_5XX_Count", dimensions, window
            ),
            _stat_query("requests", ALB_NAMESPACE, "RequestCount", dimensions, window),
            _expression("ratio", _ratio("target5xx", "requests"), "5xx ratio", returns=True),
        ),
    )


def session_error_check(environment: str, server: str, budget: float, window: int) -> SliCheck:
    return SliCheck(
        SliKind.SESSION_ERROR_RATIO,
        threshold=budget,
        unit="ratio",
        lookback_seconds=window,
        derivation="error budget of the SLO: a lost session fails the caller like a failed call",
        queries=(
            _stat_query(
                "sessions",
                NAMESPACE,
                SESSION_ERRORS_METRIC,
                _dimensions(environment, server),
                window,
            ),
            _log_query("calls", "tool-calls", environment, server, window),
            _expression("ratio", _ratio("sessions", "calls"), "session error ratio", returns=True),
        ),
    )


def success_condition(check: SliCheck) -> str:
    """Argo Rollouts' expression over ``GetMetricData`` results: every point within the limit.

    ``result[0]`` is the one series the check returns; no points (no traffic) passes, as the
    alarms treat missing data as not breaching.
    """
    return f"all(result[0].Values, {{# <= {check.threshold!r}}})"
