"""The renderer: deterministic bytes, and the rules each route needs, in the right place."""

from __future__ import annotations

import json
import re

from gateway import GatewayConfig, SrvRecord, render
from tests.gateway.configs import sample_config


def _frontend(text: str) -> str:
    return text.split("frontend mcp", 1)[1].split("\nbackend ", 1)[0]


def _backend(text: str, name: str) -> str:
    return text.split(f"backend mcp_{name}\n", 1)[1].split("\n\n", 1)[0]


def test_same_input_same_bytes_whatever_the_order() -> None:
    config = sample_config()
    shuffled = config.model_copy(
        update={
            "routes": tuple(reversed(config.routes)),
            "tenants": tuple(reversed(config.tenants)),
        }
    )
    assert render(config) == render(shuffled)
    assert render(config).endswith("\n") and not render(config).endswith("\n\n")


def test_every_route_is_routed_to_its_own_backend() -> None:
    text = render(sample_config())
    for name in ("docs", "github", "slack", "vendor"):
        assert f"acl route_{name} path /{name}/mcp" in text
        assert f"use_backend mcp_{name} if route_{name}" in text
        assert f"backend mcp_{name}\n" in text


def test_protected_resource_metadata_names_the_tenant_issuer() -> None:
    text = render(sample_config())
    line = next(
        line
        for line in text.splitlines()
        if "path /.well-known/oauth-protected-resource/docs/mcp" in line
    )
    document = json.loads(re.search(r"string '(\{.*\})'", line).group(1))  # type: ignore[union-attr]
    assert document == {
        "authorization_servers": ["https://research.issuer.example"],
        "bearer_methods_supported": ["header"],
        "resource": "https://mcp.example.com/docs/mcp",
        "resource_name": "docs",
        "scopes_supported": [],
    }


def test_tokens_are_verified_with_each_tenant_key_and_bound_to_the_route() -> None:
    frontend = _frontend(render(sample_config()))
    assert (
        "str(research) if { var(txn.iss) -m str https://research.issuer.example } "
        '{ http_auth_bearer,jwt_verify("RS256","/keys/pub.pem") -m int 1 }' in frontend
    )
    assert "set-var(txn.resource) str(https://mcp.example.com/slack/mcp) if route_slack" in frontend
    assert "var(txn.aud),strcmp(txn.resource) eq 0" in frontend
    assert (
        'hdr WWW-Authenticate "Bearer resource_metadata=\\"%[var(txn.metadata)]\\"" if !has_bearer'
        in frontend
    )


def test_checks_run_in_the_order_the_authorization_spec_needs() -> None:
    frontend = _frontend(render(sample_config()))
    order = [
        "oauth-protected-resource/docs/mcp",  # public metadata
        "return status 401",  # no token
        "return status 403",  # another tenant
        "return status 429",  # the tenant's limit
        "str(tool-not-approved)",  # the JSON-RPC body
        "del-header Authorization",  # never forwarded
        "use_backend",
    ]
    positions = [frontend.index(marker) for marker in order]
    assert positions == sorted(positions)


def test_tool_allow_lists_fail_closed() -> None:
    frontend = _frontend(render(sample_config()))
    assert "if route_slack is_tools_call !{ var(txn.tool) -m str post read }" in frontend
    assert "if route_docs is_tools_call !FALSE" in frontend  # nothing approved: all refused


def test_rate_limit_is_shared_between_the_live_gateway_replicas() -> None:
    """ceil(limit / live) per replica: the live count from Lua, the configured one as a start.

    (test_srv_addressing runs it: 5 of 10 with two replicas alive, 10 with one.)
    """
    config = sample_config()
    frontend = _frontend(render(config))
    assert "set-var(txn.gateway_replicas) lua.gateway_replicas(2) if" in frontend
    assert (
        "set-var(txn.rate_share) int(10),add(txn.gateway_replicas),sub(1),"
        "div(txn.gateway_replicas) if { var(txn.tenant) -m str storefront }"
    ) in frontend
    assert "int(7),add(txn.gateway_replicas)" in frontend
    assert "set-var(txn.rate_excess) sc0_http_req_rate,sub(txn.rate_share)" in frontend
    single = render(config.model_copy(update={"replicas": 1}))
    assert "lua.gateway_replicas(1)" in _frontend(single)
    assert "store http_req_rate(1s)" in render(config)


def test_gateway_replicas_are_counted_only_when_peers_are_listed() -> None:
    config = sample_config()
    assert "backend gateway_replicas" not in render(config)
    peers = SrvRecord(name="_health._tcp.gw.mcp-gateway.svc.cluster.local", max_replicas=6)
    text = render(config.model_copy(update={"peers": peers}))
    counted = text.split("backend gateway_replicas\n", 1)[1].split("\n\n", 1)[0]
    assert "option httpchk GET /healthz" in counted
    assert (
        "server-template g 1-6 _health._tcp.gw.mcp-gateway.svc.cluster.local"
        " resolvers dns init-addr none"
    ) in counted
    assert "use_backend gateway_replicas" not in text  # never routed to


def test_only_stateful_routes_pin_sessions_by_upstream_address() -> None:
    text = render(sample_config())
    slack, github = _backend(text, "slack"), _backend(text, "github")
    assert "http-request lua.mcp_session_pin if { req.hdr(mcp-session-id) -m found }" in slack
    assert "use-server r0 if { var(txn.pinned) -m str r0 }" in slack
    assert (
        "http-response set-header Mcp-Session-Id"
        " %[bc_dst,concat(:,txn.upstream_port),hex].%[res.hdr(mcp-session-id)]"
    ) in slack
    assert "http-request return status 404" in slack and "Session not found" in slack
    assert "pinned" not in github and "balance roundrobin" in github


def test_srv_records_become_server_templates_up_to_the_maximum() -> None:
    config = sample_config()
    srv = SrvRecord(name="_mcp._tcp.slack.mcp-storefront.svc.cluster.local", max_replicas=4)
    routes = tuple(
        route.model_copy(update={"upstream": route.upstream.model_copy(update={"replicas": srv})})
        if route.name == "slack"
        else route
        for route in config.routes
    )
    slack = _backend(render(config.model_copy(update={"routes": routes})), "slack")
    assert (
        "    server-template r 1-4 _mcp._tcp.slack.mcp-storefront.svc.cluster.local"
        " resolvers dns init-addr none\n"
    ) in slack + "\n"
    for slot in ("r1", "r2", "r3", "r4"):
        assert f"use-server {slot} if {{ var(txn.pinned) -m str {slot} }}" in slack


def test_retries_only_on_connection_failures_and_replicas_are_ejected() -> None:
    slack = _backend(render(sample_config()), "slack")
    assert "retry-on conn-failure\n" in slack
    assert "timeout connect 2000ms\n" in slack and "timeout server 60000ms\n" in slack
    assert "observe layer7 error-limit 10 on-error mark-down" in slack
    assert "option httpchk GET /readyz" in slack
    assert "    server r0 127.0.0.1:9001\n" in slack + "\n"
    assert "    server r1 127.0.0.1:9002" in slack


def test_remote_upstream_gets_verified_tls_and_the_injected_credential() -> None:
    vendor = _backend(render(sample_config()), "vendor")
    assert "http-request set-path /v1/mcp" in vendor
    assert 'set-header Authorization "Bearer %[env(VENDOR_TOKEN)]"' in vendor
    assert (
        "server remote mcp.vendor.example:443 id 1 resolvers dns init-addr libc,none"
        " ssl verify required"
        " ca-file /keys/ca.pem"
        " sni str(mcp.vendor.example)" in vendor
    )


def test_access_log_is_one_json_object_per_line() -> None:
    text = render(sample_config())
    log_format = re.search(r"log-format '(.*)'", text).group(1)  # type: ignore[union-attr]
    sample = re.sub(r"%\[[^\]]*\]|%\w+", "0", log_format)  # every tag replaced by a value
    fields = json.loads(sample)
    for name in (
        "trace_id",
        "tenant",
        "server",
        "tool",
        "method",
        "status",
        "latency_ms",
        "denial",
    ):
        assert name in fields


def test_public_base_url_loses_a_trailing_slash() -> None:
    config = GatewayConfig.model_validate(
        {**sample_config().model_dump(), "public_base_url": "https://mcp.example.com/"}
    )
    assert (
        config.resource_uri(config.routes[0])
        == f"https://mcp.example.com/{config.routes[0].name}/mcp"
    )


def test_bodies_are_read_by_the_lua_inspector_before_any_decision() -> None:
    text = render(sample_config())
    for name in ("mcp_inspect.lua", "session_pin.lua", "gateway_replicas.lua"):
        assert f"    lua-load /etc/haproxy/lua/{name}\n" in text
    frontend = _frontend(text)
    inspect = frontend.index("http-request lua.mcp_inspect if METH_POST")
    assert inspect < frontend.index("return status 401") < frontend.index("str(tool-not-approved)")
    assert "json_query('$.method')" not in frontend  # it reads duplicate keys differently
