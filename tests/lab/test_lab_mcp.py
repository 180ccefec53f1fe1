"""The official MCP client through the lab's ALB stand-in and gateway, for every dev server."""

from __future__ import annotations

import anyio
import httpx
import pytest

from lab.issuer import issue_token
from lab.stack import load_stack
from tests.lab.conftest import REMOTE_NAME, REMOTE_TENANT, RemoteServer
from tests.lab.mcp_client import mcp_session, structured
from tests.lab.running_lab import RunningLab, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("lab")]

DEV_SERVERS = [(server.name, server.tenant) for server in load_stack("dev").servers]


@pytest.mark.parametrize(("server", "tenant"), DEV_SERVERS)
def test_initialize_list_and_call_tools_through_the_gateway(
    dev_lab: RunningLab, server: str, tenant: str
) -> None:
    token = dev_lab.token(tenant, server)

    async def scenario() -> None:
        async with mcp_session(dev_lab.servers[server], token) as session:
            tools = {tool.name for tool in (await session.list_tools()).tools}
            assert {"echo", "whoami"} <= tools
            echoed = await session.call_tool("echo", {"text": f"hello {server}"})
            assert structured(echoed) == f"hello {server}"
            who = structured(await session.call_tool("whoami", {}))
            assert who["server"] == server
            assert who["kind"] == dev_lab.state().servers[server].session_mode
            # the upstream learns the tenant, never the caller's token
            assert who["headers"]["x-mcp-tenant"] == tenant
            assert "authorization" not in who["headers"]

    anyio.run(scenario)


def test_stateful_session_keeps_its_state_through_both_gateway_replicas(
    dev_lab: RunningLab,
) -> None:
    token = dev_lab.token("storefront", "slack")
    notes = [f"note-{index}" for index in range(8)]

    async def scenario() -> list[str]:
        async with mcp_session(dev_lab.servers["slack"], token) as session:
            for count, note in enumerate(notes, start=1):
                assert structured(await session.call_tool("remember", {"note": note})) == count
            return list(structured(await session.call_tool("recall", {})))

    assert anyio.run(scenario) == notes
    # the ALB alternates, so both gateway replicas routed this session's calls
    for gateway in ("gw0", "gw1"):
        calls = [
            line
            for line in dev_lab.log_lines(gateway)
            if line["server"] == "slack" and line["tool"] == "remember"
        ]
        assert calls, f"{gateway} routed none of the session's calls"
        assert {line["status"] for line in calls} == {200}


def test_stateless_server_is_balanced_per_request(dev_lab: RunningLab) -> None:
    token = dev_lab.token("storefront", "github")

    async def scenario() -> set[str]:
        async with mcp_session(dev_lab.servers["github"], token) as session:
            return {structured(await session.call_tool("whoami", {}))["replica"] for _ in range(8)}

    assert anyio.run(scenario) == {"r0", "r1"}


def test_trace_is_continued_upstream_and_logged_with_tenant_server_and_tool(
    dev_lab: RunningLab,
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    incoming = f"00-{trace_id}-00f067aa0ba902b7-01"
    token = dev_lab.token("research", "docs-search")

    async def scenario() -> str:
        async with mcp_session(
            dev_lab.servers["docs-search"], token, headers={"traceparent": incoming}
        ) as session:
            return str(structured(await session.call_tool("whoami", {}))["headers"]["traceparent"])

    upstream = anyio.run(scenario)
    version, trace, span, flags = upstream.split("-")
    assert (version, trace, flags) == ("00", trace_id, "01")
    assert span != "00f067aa0ba902b7"  # the gateway is a span of its own

    def logged() -> list[dict[str, object]]:
        return [
            line
            for gateway in ("gw0", "gw1")
            for line in dev_lab.log_lines(gateway)
            if line["trace_id"] == trace_id and line["tool"] == "whoami"
        ]

    wait_for(lambda: bool(logged()), "the access log line of the traced call")
    line = logged()[0]
    assert line["tenant"] == "research" and line["server"] == "docs-search"
    assert line["method"] == "tools/call" and line["status"] == 200
    assert line["denial"] == "-" and isinstance(line["latency_ms"], int)


def test_remote_server_is_reached_with_the_injected_credential(
    dev_lab: RunningLab, remote_server: RemoteServer
) -> None:
    token = dev_lab.token(REMOTE_TENANT, REMOTE_NAME)

    async def scenario() -> dict[str, object]:
        async with mcp_session(dev_lab.servers[REMOTE_NAME], token) as session:
            assert structured(await session.call_tool("echo", {"text": "far"})) == "far"
            return dict(structured(await session.call_tool("whoami", {})))

    who = anyio.run(scenario)
    assert who["server"] == REMOTE_NAME
    assert who["headers"]["x-mcp-tenant"] == REMOTE_TENANT  # type: ignore[index]
    # the remote refuses anyone without the credential: only the gateway could have added it
    import ssl

    context = ssl.create_default_context(cafile=str(remote_server.tls.ca_file))
    direct = httpx.post(
        remote_server.url,
        json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        headers={"Authorization": f"Bearer {token}"},
        verify=context,
    )
    assert direct.status_code == 401


def test_token_command_matches_the_in_process_issuer(dev_lab: RunningLab) -> None:
    from tests.lab.running_lab import run_lab

    printed = run_lab(
        "token", "--tenant", "storefront", "--server", "jira", "--state-dir", str(dev_lab.state_dir)
    )
    assert printed.returncode == 0, printed.stderr
    import jwt

    claims = jwt.decode(printed.stdout.strip(), options={"verify_signature": False})
    assert claims["aud"] == dev_lab.servers["jira"]
    assert claims["iss"] == dev_lab.state().tenants["storefront"].issuer
    assert issue_token(dev_lab.state(), tenant="storefront", server="jira").count(".") == 2


def test_each_gateway_replica_exports_prometheus_metrics_per_route(dev_lab: RunningLab) -> None:
    for gateway, origin in dev_lab.state().gateway_health.items():
        assert httpx.get(f"{origin}/healthz", timeout=10).status_code == 200
        metrics = httpx.get(f"{origin}/metrics", timeout=10)
        assert metrics.status_code == 200, gateway
        assert 'haproxy_backend_http_responses_total{proxy="mcp_slack",code="2xx"}' in metrics.text
