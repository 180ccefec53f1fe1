"""RolloutPlan: how one server's release moves, batch by batch, and what stops it.

The operate guide's ``rolling_update``: a quarter of the instances at a time, drain, update,
wait until healthy, watch for 60 seconds, roll back on trouble. As a plan per batch:

1. ``setWeight`` to the next multiple of the rollout batch (25, 50, 75, 100 %). Without a
   traffic router the weight is the share of replicas running the new version.
2. A pause for the drain: the replaced pods finish their in-flight calls (stateful servers:
   their sessions' idle timeout), so the watch that follows sees the new mix only.
3. A pause for the watch window (60 s by default).
4. An analysis over that window against the SLO (delivery/analysis.py); a failure aborts the
   rollout, which returns every replica to the stable version and notifies the ticket route.

A background analysis runs from the first batch to the end and aborts at once on a burn fast
enough to page. The last batch is 100 %: the final gate judges the new version alone.

Pure data and arithmetic: ``delivery/manifests.py`` renders it, the review will print it, and
the policy pack will judge it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from components.slo_math import error_budget
from delivery.analysis import (
    MeasuredServer,
    SliCheck,
    SliKind,
    fast_burn_check,
    latency_check,
    server_5xx_check,
    session_error_check,
    tool_error_gate,
)
from policy.contract import STAGES

METRIC_PERIOD_SECONDS = 60
"""Log metric filters publish at one-minute resolution: a watch window is whole minutes."""
ENFORCING_STAGES = ("staging", "prod")
"""Stages where a failed analysis aborts; dev measures the same way but only records (dry run)."""


class RolloutPlanError(ValueError):
    """A rollout input a user set wrongly: names the input, what is wrong and what is right."""


@dataclass(frozen=True)
class TicketRoute:
    """Where an aborted rollout is reported: the ticket route's HTTPS endpoints.

    The ticket SNS topic cannot be the target itself: Argo Rollouts' notification engine has no
    SNS service and SNS's publish API needs SigV4, so the abort goes to the same HTTPS
    endpoints the ticket topic delivers to (settings ``observability.ticket.httpsEndpoints``).
    """

    https_endpoints: tuple[str, ...] = ()


@dataclass(frozen=True)
class RolloutInputs:
    """Everything a plan needs, as plain values: no Settings, no Pulumi Outputs."""

    server: str
    tenant: str
    """The gateway's metrics name the tenant beside the server (components/gateway_metrics.py)."""
    namespace: str
    stage: str
    tool_success_rate: float
    p95_latency_ms: int
    stateful: bool
    session_idle_timeout_seconds: int
    drain_seconds: int
    batch_percent: int
    min_replicas: int
    max_replicas: int
    ticket_route: TicketRoute
    watch_seconds: int = 60


@dataclass(frozen=True)
class BatchStep:
    """One batch: the new version's share, then the pauses, then the gate."""

    weight_percent: int
    canary_replicas_at_min: int
    """New-version replicas at the HPA minimum (Argo rounds the share up)."""
    drain_seconds: int
    watch_seconds: int


@dataclass(frozen=True)
class RolloutPlan:
    server: str
    namespace: str
    stage: str
    stateful: bool
    batches: tuple[BatchStep, ...]
    gate: tuple[SliCheck, ...]
    """Checks run after each batch's watch window."""
    background: tuple[SliCheck, ...]
    """Checks run every minute from the first batch to the end."""
    enforcing: bool
    """False in dev: failures are recorded (dry run), nothing aborts."""
    min_replicas: int
    max_replicas: int
    max_surge_percent: int
    pod_drain_seconds: int
    """How long a replaced pod must keep serving (preStop): the session idle timeout for a
    stateful server, the fleet's drain otherwise. The McpServer component applies it."""
    ticket_route: TicketRoute
    rollback_triggers: tuple[str, ...]
    """What aborts the rollout, one sentence per check, for the review and the runbook."""

    @property
    def weights(self) -> tuple[int, ...]:
        return tuple(batch.weight_percent for batch in self.batches)

    @property
    def error_budget(self) -> float:
        return next(c.threshold for c in self.gate if c.kind is SliKind.TOOL_ERROR_RATIO)

    @property
    def duration_seconds(self) -> int:
        """Least time from start to fully promoted, pauses only (pods must also become ready)."""
        return sum(batch.drain_seconds + batch.watch_seconds for batch in self.batches)


def _require(ok: bool, key: str, problem: str, fix: str) -> None:
    if not ok:
        raise RolloutPlanError(f"rollout input {key}: {problem}; {fix}")


def _validate(inputs: RolloutInputs) -> None:
    _require(bool(inputs.tenant), "tenant", "is empty", "name the server's tenant")
    _require(inputs.stage in STAGES, "stage", f"{inputs.stage!r} is not a stage", f"use {STAGES}")
    _require(
        0 < inputs.tool_success_rate < 100,
        "tool_success_rate",
        f"{inputs.tool_success_rate} is not a percentage below 100",
        "use a value like 99.0 or 99.9",
    )
    _require(inputs.p95_latency_ms > 0, "p95_latency_ms", "must be positive", "like 400")
    _require(
        1 <= inputs.batch_percent <= 50,
        "batch_percent",
        f"{inputs.batch_percent} is outside 1-50",
        "the fleet's rollout batch is 25",
    )
    _require(
        inputs.watch_seconds >= METRIC_PERIOD_SECONDS
        and inputs.watch_seconds % METRIC_PERIOD_SECONDS == 0,
        "watch_seconds",
        f"{inputs.watch_seconds} is not whole minutes",
        "CloudWatch log metrics have one-minute periods: use 60, 120, ...",
    )
    _require(inputs.drain_seconds > 0, "drain_seconds", "must be positive", "like 30")
    _require(
        not inputs.stateful or inputs.session_idle_timeout_seconds > 0,
        "session_idle_timeout_seconds",
        "a stateful server needs a positive idle timeout",
        "use the load balancer's idle timeout, like 300",
    )
    _require(
        1 <= inputs.min_replicas <= inputs.max_replicas,
        "min_replicas",
        f"{inputs.min_replicas} is not between 1 and max_replicas ({inputs.max_replicas})",
        "set 1 <= min_replicas <= max_replicas",
    )
    for endpoint in inputs.ticket_route.https_endpoints:
        _require(
            endpoint.startswith("https://"),
            "ticket_route",
            f"{endpoint!r} is not an https:// URL",
            "notifications leave the cluster only over TLS",
        )


def batch_weights(batch_percent: int) -> tuple[int, ...]:
    """25 -> (25, 50, 75, 100); 30 -> (30, 60, 90, 100): no step larger than the batch."""
    steps = math.ceil(100 / batch_percent)
    return tuple(min(batch_percent * n, 100) for n in range(1, steps + 1))


def canary_replicas(replicas: int, weight_percent: int) -> int:
    """Argo's basic canary rounds the new version's share of replicas up."""
    return math.ceil(replicas * weight_percent / 100)


def plan_rollout(inputs: RolloutInputs) -> RolloutPlan:
    """The plan for one server in one stage; raises ``RolloutPlanError`` on a bad input."""
    _validate(inputs)
    budget = error_budget(inputs.tool_success_rate)
    drain = (
        max(inputs.drain_seconds, inputs.session_idle_timeout_seconds)
        if inputs.stateful
        else inputs.drain_seconds
    )
    window = inputs.watch_seconds
    batches = tuple(
        BatchStep(weight, canary_replicas(inputs.min_replicas, weight), drain, window)
        for weight in batch_weights(inputs.batch_percent)
    )
    measured = MeasuredServer(inputs.stage, inputs.tenant, inputs.server)
    gate = [
        tool_error_gate(measured, budget, window),
        latency_check(measured, inputs.p95_latency_ms, window),
        server_5xx_check(measured, budget, window),
    ]
    if inputs.stateful:
        gate.append(session_error_check(measured, budget, window))
    background = (fast_burn_check(measured, budget),)
    return RolloutPlan(
        server=inputs.server,
        namespace=inputs.namespace,
        stage=inputs.stage,
        stateful=inputs.stateful,
        batches=batches,
        gate=tuple(gate),
        background=background,
        enforcing=inputs.stage in ENFORCING_STAGES,
        min_replicas=inputs.min_replicas,
        max_replicas=inputs.max_replicas,
        max_surge_percent=inputs.batch_percent,
        pod_drain_seconds=drain,
        ticket_route=inputs.ticket_route,
        rollback_triggers=tuple(
            f"{check.kind} above {check.threshold:g} {check.unit} over {check.lookback_seconds}s"
            for check in (*gate, *background)
        ),
    )
