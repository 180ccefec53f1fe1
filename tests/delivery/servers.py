"""The server kinds the tests plan for: the fleet's 99.0 % baseline, a 99.9 % one, a stateful one."""

from __future__ import annotations

from dataclasses import replace

from delivery import RolloutInputs, TicketRoute

STAGES = ("dev", "staging", "prod")
TICKETS = TicketRoute(("https://tickets.example.com/hooks/mcp",))

BASELINE = RolloutInputs(
    server="github-tools",
    tenant="acme",
    namespace="tenant-acme",
    stage="prod",
    tool_success_rate=99.0,
    p95_latency_ms=400,
    stateful=False,
    session_idle_timeout_seconds=300,
    drain_seconds=30,
    batch_percent=25,
    min_replicas=4,
    max_replicas=12,
    ticket_route=TICKETS,
)
STRICT = replace(
    BASELINE, server="payments-tools", tool_success_rate=99.9, p95_latency_ms=250, min_replicas=3
)
STATEFUL = replace(
    BASELINE,
    server="notebook",
    tool_success_rate=99.5,
    stateful=True,
    session_idle_timeout_seconds=300,
    min_replicas=2,
)
KINDS = {"baseline-99.0": BASELINE, "strict-99.9": STRICT, "stateful-99.5": STATEFUL}


def in_stage(inputs: RolloutInputs, stage: str) -> RolloutInputs:
    return replace(inputs, stage=stage)
