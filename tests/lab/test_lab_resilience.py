"""Replica deaths: a gateway replica's is survivable; a server replica's ends only its sessions.

These tests kill processes, so they run against a lab of their own (only the stateful
``slack`` server), never the shared one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack

import anyio
import httpx
import pytest
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError

from lab.stack import load_stack
from tests.gateway.haproxy import haproxy_or_skip
from tests.lab.mcp_client import mcp_session, structured
from tests.lab.running_lab import RunningLab, start_lab, stop_lab

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("lab")]

MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


@pytest.fixture
def slack_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    haproxy_or_skip()
    lab = start_lab(tmp_path_factory.mktemp("slack-lab"), "--stack", "dev", "--server", "slack")
    try:
        yield lab
    finally:
        stop_lab(lab)


async def _replica(session: ClientSession) -> str:
    return str(structured(await session.call_tool("whoami", {}))["replica"])


def test_a_session_survives_the_death_of_a_gateway_replica(slack_lab: RunningLab) -> None:
    token = slack_lab.token("storefront", "slack")

    async def scenario() -> list[str]:
        async with mcp_session(slack_lab.servers["slack"], token) as session:
            await session.call_tool("remember", {"note": "before"})
            holder = await _replica(session)
            slack_lab.kill("gw0")
            for index in range(4):
                await session.call_tool("remember", {"note": f"after-{index}"})
            assert await _replica(session) == holder
            return list(structured(await session.call_tool("recall", {})))

    assert anyio.run(scenario) == ["before", "after-0", "after-1", "after-2", "after-3"]


async def _until_session_not_found(session: ClientSession, seconds: float = 15.0) -> None:
    """The dead replica's session ends with "Session not found" once the gateway knows.

    Until its health check marks the replica down (a few check intervals), the gateway still
    pins the session there and answers 503, which the client sees as an error response too;
    after that it falls through to a live replica, whose 404 tells the client to re-initialize.
    Anything else, or no 404 within the bound, fails.
    """
    with anyio.fail_after(seconds):
        while True:
            with pytest.raises(MCPError) as refused:
                await session.call_tool("recall", {})
            if "Session not found" in str(refused.value):
                return
            assert "Server returned an error response" in str(refused.value), refused.value
            await anyio.sleep(0.2)


def test_a_dead_server_replica_ends_only_its_sessions(slack_lab: RunningLab) -> None:
    token = slack_lab.token("storefront", "slack")
    url = slack_lab.servers["slack"]

    async def scenario() -> None:
        async with AsyncExitStack() as stack:
            sessions: dict[str, ClientSession] = {}
            for _ in range(8):  # the balancers alternate: a few sessions cover both replicas
                session = await stack.enter_async_context(mcp_session(url, token))
                sessions.setdefault(await _replica(session), session)
                if len(sessions) == 2:
                    break
            doomed, survivor = sessions["r0"], sessions["r1"]
            await doomed.call_tool("remember", {"note": "lost"})
            await survivor.call_tool("remember", {"note": "kept"})
            slack_lab.kill("slack-r0")
            await _until_session_not_found(doomed)  # 404 from the live replica
            assert structured(await survivor.call_tool("recall", {})) == ["kept"]
            async with mcp_session(url, token) as fresh:  # the client re-initializes
                assert await _replica(fresh) == "r1"
                assert structured(await fresh.call_tool("remember", {"note": "new"})) == 1

    anyio.run(scenario)


def _admitted_in_a_burst(lab: RunningLab, token: str, period: int) -> int:
    """Requests admitted from a quick burst through the ALB, once the rate window is empty."""
    time.sleep(2 * period + 0.2)  # the window and the one before it hold nothing any more
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {token}"}
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}

    async def burst() -> list[int]:
        async with httpx.AsyncClient(headers=headers, timeout=30) as client:
            answers = await asyncio.gather(
                *(client.post(lab.servers["slack"], json=ping) for _ in range(150))
            )
        return [answer.status_code for answer in answers]

    statuses = asyncio.run(burst())
    # admitted: the server answered (400: a ping on a stateful server without a session)
    assert set(statuses) <= {400, 429}, sorted(set(statuses))
    return statuses.count(400)


def test_the_surviving_gateway_replica_takes_the_whole_tenant_limit(slack_lab: RunningLab) -> None:
    """Each replica admits ceil(limit / live replicas): two halves, then one whole."""
    declared = next(t for t in load_stack("dev").tenant_settings if t.name == "storefront")
    limit, period = declared.rate_limit.window()
    token = slack_lab.token("storefront", "slack")
    # a quarter of tolerance: HAProxy's lock-free counters turn over under a burst
    assert limit * 0.8 <= _admitted_in_a_burst(slack_lab, token, period) <= limit * 1.25
    slack_lab.kill("gw0")
    deadline = time.monotonic() + 30
    while (admitted := _admitted_in_a_burst(slack_lab, token, period)) < limit * 0.8:
        assert time.monotonic() < deadline, f"gw1 still admits {admitted} of {limit}"
    assert admitted <= limit * 1.25
    served = [line for line in slack_lab.log_lines("gw1") if line["status"] == 400]
    assert len(served) >= admitted  # gw1 alone admitted the last burst
