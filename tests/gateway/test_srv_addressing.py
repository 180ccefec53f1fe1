"""The gateway in the cluster's addressing: SRV-discovered replicas, pinning by address,
"Session not found" from the gateway, and rate shares from the live gateway replicas.

Two real HAProxy processes run the same rendered configuration against stub servers that a
fake DNS server announces, as Kubernetes DNS announces a headless Service's ready pods.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.gateway.srv_gateways import (
    SERVER_SRV,
    SrvGateways,
    StubServer,
    pin_of,
    srv_gateways,
)
from tests.lab.running_lab import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("srv-gateway")]


def _sessions_by_replica(gateways: SrvGateways) -> dict[str, str]:
    """Fresh sessions through gateway 0 until both stubs created one: replica -> session id."""
    found: dict[str, str] = {}
    for _ in range(20):
        answer = gateways.post(0)
        assert answer.status_code == 200, answer.text
        found.setdefault(answer.json()["result"]["replica"], answer.headers["mcp-session-id"])
        if len(found) == 2:
            return found
    raise AssertionError(f"the gateway used one replica only: {found}")


def _wait_until_routed(gateways: SrvGateways) -> None:
    wait_for(lambda: gateways.post(0).status_code == 200, "gateway 0 to find the stubs")
    wait_for(lambda: gateways.post(1).status_code == 200, "gateway 1 to find the stubs")


def test_sessions_are_pinned_by_address_across_gateway_replicas(tmp_path: Path) -> None:
    stubs = [StubServer("a"), StubServer("b")]
    with srv_gateways(tmp_path, stubs) as gateways:
        _wait_until_routed(gateways)
        sessions = _sessions_by_replica(gateways)
        for stub in stubs:
            assert sessions[stub.name] == f"{pin_of(f'127.0.0.1:{stub.port}')}.sess-{stub.name}"
        for _ in range(4):  # the other gateway replica, whatever its slot names, routes alike
            answer = gateways.post(1, session=sessions["a"])
            assert answer.json()["result"]["replica"] == "a"
            assert answer.headers["mcp-session-id"] == sessions["a"]
        assert stubs[0].sessions_seen[-1] == "sess-a"  # the server sees its own id
        assert "sess-a" not in stubs[1].sessions_seen


def test_a_gone_replica_ends_only_its_sessions_with_404_from_the_gateway(tmp_path: Path) -> None:
    stubs = [StubServer("a"), StubServer("b"), StubServer("c")]
    with srv_gateways(tmp_path, stubs[:2]) as gateways:
        stubs[2].start()  # a pod that is not ready yet: not in DNS
        _wait_until_routed(gateways)
        sessions = _sessions_by_replica(gateways)
        gateways.dns.set(SERVER_SRV, [stubs[1].pod, stubs[2].pod])  # a goes, c comes

        def gone() -> bool:
            return all(gateways.post(i, session=sessions["a"]).status_code == 404 for i in (0, 1))

        wait_for(gone, "both gateways to drop replica a", timeout=30)
        seen_by_a = len(stubs[0].sessions_seen)
        answer = gateways.post(1, session=sessions["a"])
        assert answer.json()["error"] == {
            "code": -32600,
            "message": "Session not found",
            "data": {"server": "slack"},
        }
        assert len(stubs[0].sessions_seen) == seen_by_a
        assert "sess-a" not in stubs[1].sessions_seen + stubs[2].sessions_seen
        assert gateways.post(0, session=sessions["b"]).json()["result"]["replica"] == "b"
        wait_for(
            lambda: gateways.post(0).json()["result"]["replica"] == "c", "new sessions to reach c"
        )


@pytest.mark.parametrize(
    "session",
    [
        "sess-a",  # no pin: not a session the gateway handed out
        "r1.sess-a",  # a slot name, as the previous design wrote
        f"{pin_of('127.0.0.1:22')}.sess-a",  # an address outside this backend
        "3132372E302E302E31.sess-a",  # hex of an address without a port
    ],
)
def test_a_session_id_the_gateway_did_not_write_never_reaches_a_server(
    tmp_path: Path, session: str
) -> None:
    stubs = [StubServer("a"), StubServer("b")]
    with srv_gateways(tmp_path, stubs) as gateways:
        _wait_until_routed(gateways)
        before = [len(stub.sessions_seen) for stub in stubs]
        answer = gateways.post(0, session=session)
        assert answer.status_code == 404
        assert answer.json()["error"]["message"] == "Session not found"
        assert [len(stub.sessions_seen) for stub in stubs] == before


def _admitted(gateways: SrvGateways, attempts: int = 30) -> int:
    """Requests gateway 0 admits in one quick burst after the rate window emptied."""
    time.sleep(2.2)  # the tenant's 1 s window and the one before it are empty again
    with httpx.Client(timeout=10) as client:
        headers = {"Authorization": f"Bearer {gateways.token}"}
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        answers = [
            client.post(gateways.urls[0], json=body, headers=headers).status_code
            for _ in range(attempts)
        ]
    assert set(answers) <= {200, 429}, answers
    return answers.count(200)


def test_each_replica_enforces_its_share_of_the_live_gateway_replicas(tmp_path: Path) -> None:
    """10 per second for the tenant: 5 per replica with two alive, 10 once one is gone."""
    with srv_gateways(tmp_path, [StubServer("a")], requests_per_second=10) as gateways:
        _wait_until_routed(gateways)
        assert _admitted(gateways) in (5, 6)  # 6: a burst across a window boundary
        gateways.set_peers([0])  # the other replica's pod went away
        deadline = time.monotonic() + 30
        while (admitted := _admitted(gateways)) < 10 and time.monotonic() < deadline:
            pass
        assert admitted in (10, 11)
