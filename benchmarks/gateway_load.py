"""Load for the gateway benchmark: ``tools/call`` over one official-client MCP session.

Two ways to drive a session, both bounded by a request count and by wall-clock time:

- open loop (``open_loop``): calls start on a fixed schedule (request *i* at ``i / rate``
  seconds) whether or not earlier ones have answered, and latency runs from the scheduled
  start, so a slow answer cannot hide the queueing it causes (no coordinated omission);
- closed loop (``closed_loop``): N callers each start their next call when the previous one
  answers, which finds the most the path (and this client) can carry.

Every answer is checked (the echoed text must come back), and failures are counted by kind
instead of being timed, so a fast error never flatters a percentile.
"""

from __future__ import annotations

import math
import resource
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError


@dataclass
class Session:
    """An MCP session and the HTTP error statuses its requests met: the client turns a 429 or
    a 502 into one generic JSON-RPC error, and the status is what says which it was."""

    mcp: ClientSession
    http_errors: Counter[str] = field(default_factory=Counter)


@asynccontextmanager
async def mcp_session(url: str, token: str | None) -> AsyncIterator[Session]:
    """An initialized session of the official client, with a bearer token when given."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    http = create_mcp_http_client(headers=headers)
    statuses: Counter[str] = Counter()

    async def count_error(response: Any) -> None:
        if response.status_code >= 400:
            statuses[f"HTTP {response.status_code}"] += 1

    http.event_hooks = {"request": [], "response": [count_error]}
    async with (
        http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield Session(session, statuses)


@dataclass(frozen=True)
class Call:
    """The call every request makes: the reference server's ``echo`` of a fixed text."""

    text: str
    timeout_s: float

    @property
    def arguments(self) -> dict[str, Any]:
        return {"text": self.text}


@dataclass
class Phase:
    """What one run of requests over one path produced."""

    sent: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    http_errors: Counter[str] = field(default_factory=Counter)
    lab_cpu_s: dict[str, float] = field(default_factory=dict)
    """CPU seconds the lab's processes spent during the phase, by role (``lab_cpu``)."""
    elapsed_s: float = 0.0
    client_cpu_s: float = 0.0

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.ok / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def merge(self, other: Phase) -> Phase:
        """Two rounds of the same path as one sample (their throughput: total over time)."""
        return Phase(
            sent=self.sent + other.sent,
            latencies_ms=self.latencies_ms + other.latencies_ms,
            errors=self.errors + other.errors,
            http_errors=self.http_errors + other.http_errors,
            lab_cpu_s={
                role: self.lab_cpu_s.get(role, 0.0) + other.lab_cpu_s.get(role, 0.0)
                for role in self.lab_cpu_s.keys() | other.lab_cpu_s.keys()
            },
            elapsed_s=self.elapsed_s + other.elapsed_s,
            client_cpu_s=self.client_cpu_s + other.client_cpu_s,
        )


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile: a latency that was really observed, never interpolated."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered) - 1e-9)))
    return ordered[rank - 1]


def _error_kind(error: BaseException) -> str:
    if isinstance(error, MCPError):
        return f"JSON-RPC {error.error.code}: {error.error.message}"[:80]
    return f"{type(error).__name__}: {error}"[:80]


async def _timed_call(
    session: Session, call: Call, started: float, phase: Phase, finished: list[float]
) -> None:
    """One call, timed from ``started``; counted as an error unless the echo comes back."""
    with anyio.move_on_after(call.timeout_s) as scope:
        try:
            result = await session.mcp.call_tool("echo", call.arguments)
        except Exception as error:  # every failure is a data point, not a crash
            phase.errors[_error_kind(error)] += 1
            return
    now = anyio.current_time()
    if scope.cancelled_caught:
        phase.errors[f"no answer within {call.timeout_s:g} s"] += 1
    elif result.is_error:
        phase.errors["tool error: " + str(result.content)[:60]] += 1
    elif result.structured_content != {"result": call.text}:
        phase.errors["wrong answer"] += 1
    else:
        phase.latencies_ms.append((now - started) * 1000)
        finished.append(now)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def warm_up(session: Session, call: Call, count: int) -> Counter[str]:
    """Sequential calls before timing (connections open, first-call costs paid); returns
    their failures by kind, which the caller reports instead of measuring a broken path."""
    phase = Phase()
    for _ in range(count):
        await _timed_call(session, call, anyio.current_time(), phase, [])
    return phase.errors + session.http_errors


async def open_loop(
    session: Session, call: Call, rate: float, count: int, max_seconds: float
) -> Phase:
    """``count`` calls at ``rate`` per second (fewer if ``max_seconds`` runs out first)."""
    phase, finished = Phase(), list[float]()
    cpu_before, http_before = _cpu_seconds(), session.http_errors.copy()
    start = anyio.current_time()
    async with anyio.create_task_group() as group:
        for index in range(count):
            scheduled = start + index / rate
            if scheduled - start >= max_seconds:
                break
            await anyio.sleep_until(scheduled)
            group.start_soon(_timed_call, session, call, scheduled, phase, finished)
            phase.sent += 1
    # Until the later of the last answer and the schedule's end: a short run whose calls all
    # answered early is not credited with more than the rate offered.
    phase.elapsed_s = max([*finished, start + phase.sent / rate]) - start
    phase.client_cpu_s = _cpu_seconds() - cpu_before
    phase.http_errors = session.http_errors - http_before
    return phase


async def closed_loop(
    session: Session, call: Call, concurrency: int, count: int, max_seconds: float
) -> Phase:
    """``concurrency`` callers back to back until ``count`` calls or ``max_seconds``."""
    phase, finished = Phase(), list[float]()
    cpu_before, http_before = _cpu_seconds(), session.http_errors.copy()
    start = anyio.current_time()
    deadline = start + max_seconds

    async def caller() -> None:
        while phase.sent < count and anyio.current_time() < deadline:
            phase.sent += 1
            await _timed_call(session, call, anyio.current_time(), phase, finished)

    async with anyio.create_task_group() as group:
        for _ in range(concurrency):
            group.start_soon(caller)
    phase.elapsed_s = anyio.current_time() - start
    phase.client_cpu_s = _cpu_seconds() - cpu_before
    phase.http_errors = session.http_errors - http_before
    return phase
