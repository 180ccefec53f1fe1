"""What the gateway refuses, and how: 401 with metadata, 403 across tenants, tools, limits."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import math
import os
import re
import time
from pathlib import Path

import anyio
import httpx
import jwt
import pytest
from mcp.shared.exceptions import MCPError

from tests.lab.conftest import LAB_RATE_LIMIT
from tests.lab.mcp_client import mcp_session, structured
from tests.lab.running_lab import RunningLab, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("lab")]

MCP_HEADERS = {"Accept": "application/json, text/event-stream"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "denial-test", "version": "1"},
    },
}


def _post(
    url: str, token: str | None = None, body: object = INITIALIZE, **headers: str
) -> httpx.Response:
    all_headers = {**MCP_HEADERS, **headers}
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    return httpx.post(url, json=body, headers=all_headers, timeout=10)


def _refused_as_too_large(
    dev_lab: RunningLab, url: str, body: bytes, chunked: bool, headers: dict[str, str]
) -> None:
    """Send ``body``; the gateway answers 413 (logged under our trace id) and forwards nothing.

    A gateway that refuses before reading a body to its end closes the connection; the client
    may then see a reset instead of the 413 it was sent, so the access log is the witness.
    """
    trace_id = os.urandom(16).hex()
    headers = {**headers, "traceparent": f"00-{trace_id}-{os.urandom(8).hex()}-01"}
    content = iter([body[:1000], body[1000:]]) if chunked else body
    try:
        answer = httpx.post(url, content=content, headers=headers, timeout=30)
        assert answer.status_code == 413
        assert answer.json()["error"] == "request_too_large"
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
        pass  # reset after the early answer; the log below must still show the 413

    def logged() -> list[dict[str, object]]:
        return [
            line
            for gateway in ("gw0", "gw1")
            for line in dev_lab.log_lines(gateway)
            if line["trace_id"] == trace_id
        ]

    wait_for(lambda: bool(logged()), "the refusal in the access log")
    assert [(line["status"], line["denial"]) for line in logged()] == [(413, "bad-request")]
    for direct in dev_lab.state().servers["github"].replicas.values():
        calls = httpx.get(direct.replace("/mcp", "/lab/unapproved-calls"), timeout=10).json()
        assert calls == {"calls": 0}


def test_no_token_gets_401_naming_the_protected_resource_metadata(dev_lab: RunningLab) -> None:
    url = dev_lab.servers["github"]
    answer = _post(url)
    assert answer.status_code == 401
    metadata_url = f"{dev_lab.gateway}/.well-known/oauth-protected-resource/github/mcp"
    assert answer.headers["WWW-Authenticate"] == f'Bearer resource_metadata="{metadata_url}"'
    assert re.fullmatch("[0-9a-f]{32}", answer.headers["X-Trace-Id"])  # a trace started here
    metadata = httpx.get(metadata_url, timeout=10)
    assert metadata.status_code == 200
    assert metadata.json() == {
        "resource": url,
        "authorization_servers": [dev_lab.state().tenants["storefront"].issuer],
        "bearer_methods_supported": ["header"],
        "scopes_supported": [],
        "resource_name": "github",
    }


def test_the_official_client_without_a_token_cannot_initialize(dev_lab: RunningLab) -> None:
    async def scenario() -> None:
        async with mcp_session(dev_lab.servers["github"]):
            raise AssertionError("initialized without a token")

    with pytest.raises(BaseExceptionGroup) as caught:  # raised out of the SDK's task groups
        anyio.run(scenario)
    assert caught.group_contains(MCPError, match="Server returned an error response")


def _forged(dev_lab: RunningLab, variant: str) -> str:
    """A storefront token for jira, re-signed the way an attacker would try."""
    claims = jwt.decode(dev_lab.token("storefront", "jira"), options={"verify_signature": False})
    if variant == "foreign-signature":  # research's key, storefront's issuer
        key = Path(dev_lab.state().tenants["research"].private_key).read_text()
        return jwt.encode(claims, key, algorithm="RS256")
    if variant == "alg-none":
        return jwt.encode(claims, "", algorithm="none")

    # "hs256-public-key": the public key (which anyone may hold) used as an HMAC secret
    def part(document: object) -> str:
        raw = json.dumps(document, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing_input = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}"
    secret = Path(dev_lab.state().tenants["storefront"].public_key).read_bytes()
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


@pytest.mark.parametrize(
    "variant",
    [
        "expired",
        "not-yet-valid",
        "other-audience",
        "garbage",
        "foreign-signature",
        "alg-none",
        "hs256-public-key",
    ],
)
def test_invalid_tokens_get_401_invalid_token(dev_lab: RunningLab, variant: str) -> None:
    url = dev_lab.servers["jira"]
    if variant == "expired":
        token = dev_lab.token("storefront", "jira", expired=True)
    elif variant == "not-yet-valid":  # nbf ten minutes ahead, far beyond the clock skew
        token = dev_lab.token("storefront", "jira", now=time.time() + 600)
    elif variant == "other-audience":
        token = dev_lab.token("storefront", "jira", audience=dev_lab.servers["github"])
    elif variant == "garbage":
        token = "not.a.jwt"
    else:
        token = _forged(dev_lab, variant)
    answer = _post(url, token)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_a_token_of_another_tenant_gets_403_whatever_host_or_session(dev_lab: RunningLab) -> None:
    url = dev_lab.servers["slack"]  # a storefront server
    research = dev_lab.token("research", "slack")  # right audience, wrong tenant
    assert _post(url, research).status_code == 403
    assert _post(url, research, Host="slack.mcp.dev.acme.example").status_code == 403
    # a live research session id changes nothing
    research_session = _post(
        dev_lab.servers["postgres-query"], dev_lab.token("research", "postgres-query")
    )
    assert research_session.status_code == 200
    session_id = research_session.headers["mcp-session-id"]
    assert _post(url, research, **{"Mcp-Session-Id": session_id}).status_code == 403


def test_an_unapproved_tool_is_refused_and_never_reaches_the_server(dev_lab: RunningLab) -> None:
    token = dev_lab.token("storefront", "jira")

    async def scenario() -> MCPError:
        async with mcp_session(dev_lab.servers["jira"], token) as session:
            with pytest.raises(MCPError) as refused:
                await session.call_tool("delete_everything", {})
            # the session goes on: approved tools still work after the refusal
            assert (
                structured(await session.call_tool("echo", {"text": "still here"})) == "still here"
            )
            return refused.value

    refusal = anyio.run(scenario)
    assert refusal.error.code == -32602
    assert refusal.error.message == "Tool not approved on this server"
    for replica, direct in dev_lab.state().servers["jira"].replicas.items():
        calls = httpx.get(direct.replace("/mcp", "/lab/unapproved-calls"), timeout=10).json()
        assert calls == {"calls": 0}, replica


def test_a_batch_is_refused_with_a_jsonrpc_error(dev_lab: RunningLab) -> None:
    token = dev_lab.token("research", "k8s-readonly")
    answer = _post(dev_lab.servers["k8s-readonly"], token, body=[INITIALIZE])
    assert answer.status_code == 200
    assert answer.json()["error"]["code"] == -32600


def _began(line: dict[str, object]) -> float:
    """When the request began: the accept date plus handshake and keep-alive idle time."""
    waited = int(str(line["handshake_ms"])) + int(str(line["idle_ms"]))
    return float(str(line["time_unix"])) + waited / 1000


def _most_in_one_second(times: list[float]) -> int:
    """The largest number of ``times`` (seconds) that fall within any one second."""
    times, most, start = sorted(times), 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_past_the_tenant_limit_requests_get_429_with_retry_after(dev_lab: RunningLab) -> None:
    """The tenant's limit holds over both gateway replicas behind the ALB, not twice over.

    Each replica admits ceil(limit / live replicas) per second (it counts its peers at run
    time); the ALB alternates, so the tenant gets its limit in any one second, and no more.
    """
    url = dev_lab.servers["docs-search"]
    token = dev_lab.token("research", "docs-search")
    ping = {"jsonrpc": "2.0", "id": 7, "method": "ping"}
    trace_id = os.urandom(16).hex()

    async def flood() -> list[httpx.Response]:
        headers = {**MCP_HEADERS, "Authorization": f"Bearer {token}"}
        headers["traceparent"] = f"00-{trace_id}-{os.urandom(8).hex()}-01"
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
            return await asyncio.gather(*(client.post(url, json=ping) for _ in range(400)))

    answers = asyncio.run(flood())
    limited = [answer for answer in answers if answer.status_code == 429]
    assert limited, sorted({answer.status_code for answer in answers})
    assert all(answer.headers["Retry-After"] == "1" for answer in limited)
    assert limited[0].json()["error"] == "rate_limited"

    def flood_lines(gateway: str) -> list[dict[str, object]]:
        return [line for line in dev_lab.log_lines(gateway) if line["trace_id"] == trace_id]

    wait_for(
        lambda: sum(len(flood_lines(g)) for g in ("gw0", "gw1")) == len(answers),
        "every flood request in the access logs",
    )
    admitted = {
        gateway: [_began(line) for line in flood_lines(gateway) if line["status"] == 200]
        for gateway in ("gw0", "gw1")
    }
    # HAProxy's rate counters are lock-free across its threads and turn over each period, so a
    # burst that spans the turn can slip a few past: a quarter of tolerance, far below the
    # double limit that two replicas each enforcing the whole limit would allow.
    share = math.ceil(LAB_RATE_LIMIT / 2)
    per_replica = [_most_in_one_second(times) for times in admitted.values()]
    assert all(0 < most <= share * 1.25 for most in per_replica), (per_replica, admitted)
    both = _most_in_one_second(admitted["gw0"] + admitted["gw1"])
    assert LAB_RATE_LIMIT * 0.8 <= both <= LAB_RATE_LIMIT * 1.25, (both, admitted)
    # the limit is per tenant: storefront is not affected, and research recovers
    assert (
        _post(dev_lab.servers["github"], dev_lab.token("storefront", "github")).status_code == 200
    )
    wait_for(lambda: _post(url, token, body=ping).status_code != 429, "research to recover")
    denials = [
        line
        for gateway in ("gw0", "gw1")
        for line in dev_lab.log_lines(gateway)
        if line["denial"] == "rate-limited"
    ]
    assert denials and {line["tenant"] for line in denials} == {"research"}


def test_refusals_keep_a_string_id_and_log_hostile_tool_names_as_valid_json(
    dev_lab: RunningLab,
) -> None:
    token = dev_lab.token("storefront", "github")
    hostile = 'evil"name\\}]'
    call = {
        "jsonrpc": "2.0",
        "id": "call-1",
        "method": "tools/call",
        "params": {"name": hostile, "arguments": {}},
    }
    answer = _post(dev_lab.servers["github"], token, body=call)
    assert answer.status_code == 200
    assert answer.json() == {
        "jsonrpc": "2.0",
        "id": "call-1",
        "error": {
            "code": -32602,
            "message": "Tool not approved on this server",
            "data": {"server": "github"},
        },
    }

    def refusals() -> list[dict[str, object]]:
        return [  # log_lines parses every line: a broken line would fail here
            line
            for gateway in ("gw0", "gw1")
            for line in dev_lab.log_lines(gateway)
            if line["denial"] == "tool-not-approved" and line["server"] == "github"
        ]

    wait_for(lambda: bool(refusals()), "the refusal's access log line")
    assert refusals()[-1]["tool"] == hostile
    assert json.loads(json.dumps(refusals()[-1]))["method"] == "tools/call"


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_too_large_to_inspect_is_refused_not_forwarded(
    dev_lab: RunningLab, chunked: bool
) -> None:
    """A tool name placed after 100 kB of arguments must not slip past the allow-list."""
    token = dev_lab.token("storefront", "github")
    call = {
        "jsonrpc": "2.0",
        "id": 3,
        "method": "tools/call",
        "params": {"arguments": {"padding": "x" * 100_000}, "name": "delete_everything"},
    }
    headers = {
        **MCP_HEADERS,
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
    }
    _refused_as_too_large(
        dev_lab, dev_lab.servers["github"], json.dumps(call).encode(), chunked, headers
    )


def test_a_body_the_gateway_could_not_buffer_whole_is_refused(dev_lab: RunningLab) -> None:
    """Large headers leave less buffer: a chunked body cut short must not pass uninspected.

    The method comes last, after 45 kB of arguments: inspecting only the buffered part would
    find no method at all and forward the whole request, so the server would run the tool.
    Sent to a gateway replica directly, since the ALB stand-in refuses such large headers.
    """
    token = dev_lab.token("storefront", "github")
    body = (
        '{"jsonrpc":"2.0","id":4,"params":{"arguments":{"padding":"' + "x" * 45_000 + '"},'
        '"name":"delete_everything"},"method":"tools/call"}'
    ).encode()
    headers = {
        **MCP_HEADERS,
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "X-Padding": "p" * 22_000,
    }
    url = dev_lab.servers["github"].replace(dev_lab.gateway, dev_lab.state().gateway_traffic["gw0"])
    _refused_as_too_large(dev_lab, url, body, True, headers)


# Bodies the server reads as a call of delete_everything: duplicate keys (the last one wins in
# Python, pydantic and lua-cjson; the first in HAProxy's json_query) and escaped key names.
SMUGGLED_CALLS = {
    "duplicate-name": '{"jsonrpc":"2.0","id":5,"method":"tools/call",'
    '"params":{"name":"echo","name":"delete_everything","arguments":{}}}',
    "duplicate-method": '{"jsonrpc":"2.0","id":6,"method":"ping","method":"tools/call",'
    '"params":{"name":"delete_everything","arguments":{}}}',
    "escaped-key": '{"jsonrpc":"2.0","id":7,"meth\\u006fd":"tools/call",'
    '"params":{"n\\u0061me":"delete_everything","arguments":{}}}',
    "escaped-value": '{"jsonrpc":"2.0","id":8,"method":"tools/call",'
    '"params":{"name":"delete\\u005feverything","arguments":{}}}',
}


@pytest.mark.parametrize("variant", sorted(SMUGGLED_CALLS))
def test_a_smuggled_tool_call_is_judged_as_the_server_would_read_it(
    dev_lab: RunningLab, variant: str
) -> None:
    token = dev_lab.token("storefront", "github")
    headers = {
        **MCP_HEADERS,
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
    }
    answer = httpx.post(
        dev_lab.servers["github"], content=SMUGGLED_CALLS[variant], headers=headers, timeout=10
    )
    assert answer.status_code == 200
    assert answer.json()["error"]["message"] == "Tool not approved on this server"
    for direct in dev_lab.state().servers["github"].replicas.values():
        calls = httpx.get(direct.replace("/mcp", "/lab/unapproved-calls"), timeout=10).json()
        assert calls == {"calls": 0}


def test_a_body_that_is_not_json_gets_a_parse_error(dev_lab: RunningLab) -> None:
    token = dev_lab.token("storefront", "github")
    headers = {
        **MCP_HEADERS,
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
    }
    answer = httpx.post(
        dev_lab.servers["github"], content='{"method":"tools/call",', headers=headers, timeout=10
    )
    assert answer.json() == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32700, "message": "Parse error", "data": {"server": "github"}},
    }
