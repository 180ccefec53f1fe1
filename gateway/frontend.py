"""The MCP frontend: every request is traced, routed, authenticated, limited and inspected here.

Order matters and follows the MCP authorization specification: public metadata first, then
the bearer token (401), the tenant boundary (403), the audience (401), the tenant's rate
limit (429), and only then the JSON-RPC body (batches and unapproved tools answered by the
gateway, never forwarded). Each denial sets ``txn.denial`` before answering, so the access
log says why.
"""

from __future__ import annotations

from gateway.documents import (
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    jsonrpc_error_prefix,
    oauth_error,
    protected_resource_metadata,
)
from gateway.log_format import log_format
from gateway.model import GatewayConfig, TenantAuth

TRACEPARENT = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
JSON = "content-type application/json"


def _deny(reason: str, condition: str) -> str:
    return f"    http-request set-var(txn.denial) str({reason}) if {condition}"


def trace_rules() -> list[str]:
    """Continue the caller's W3C trace or start one; the gateway is a span of its own."""
    return [
        "    http-request set-var(txn.trace_id) req.hdr(traceparent),field(2,-)"
        f" if {{ req.hdr(traceparent) -m reg {TRACEPARENT} }}",
        "    http-request set-var(txn.trace_flags) req.hdr(traceparent),field(4,-)"
        " if { var(txn.trace_id) -m found }",
        "    http-request set-var(txn.trace_id) uuid,regsub(-,,g) unless { var(txn.trace_id) -m found }",
        "    http-request set-var(txn.trace_flags) str(01) unless { var(txn.trace_flags) -m found }",
        "    http-request set-var(txn.span_id) uuid,regsub(-,,g),bytes(0,16)",
        "    http-request set-header traceparent"
        " 00-%[var(txn.trace_id)]-%[var(txn.span_id)]-%[var(txn.trace_flags)]",
        "    http-after-response set-header X-Trace-Id %[var(txn.trace_id)]",
    ]


def client_rules() -> list[str]:
    """Who is calling, for the access log: the client's User-Agent, whole.

    ``req.fhdr`` rather than ``req.hdr``: a User-Agent may contain commas, which ``req.hdr``
    would treat as a list separator and cut. Kept in a variable before any rule answers, so
    the log line of a denied request carries it too.
    """
    return ["    http-request set-var(txn.user_agent) req.fhdr(user-agent)"]


def route_rules(config: GatewayConfig) -> list[str]:
    """Path-based routes, public metadata per route, and 404 for everything else."""
    lines: list[str] = []
    for route in config.routes:
        acl = f"route_{route.name}"
        lines += [
            f"    acl {acl} path /{route.name}/mcp",
            f"    http-request set-var(txn.server) str({route.name}) if {acl}",
            f"    http-request set-var(txn.server_tenant) str({route.tenant}) if {acl}",
            f"    http-request set-var(txn.resource) str({config.resource_uri(route)}) if {acl}",
            f"    http-request set-var(txn.metadata) str({config.metadata_url(route)}) if {acl}",
        ]
    for route in config.routes:
        path = config.metadata_url(route).removeprefix(config.public_base_url)
        lines.append(
            f"    http-request return status 200 {JSON}"
            f" string '{protected_resource_metadata(config, route)}'"
            f" if METH_GET {{ path {path} }}"
        )
    not_found = oauth_error("not_found", "no MCP server at this path; use /{server}/mcp")
    lines.append(
        f"    http-request return status 404 {JSON} string '{not_found}'"
        " unless { var(txn.server) -m found }"
    )
    return lines


def _verification_rules(tenant: TenantAuth) -> list[str]:
    """The token belongs to this tenant if its issuer is the tenant's and a key verifies it."""
    return [
        f"    http-request set-var(txn.tenant) str({tenant.name})"
        f" if {{ var(txn.iss) -m str {tenant.issuer} }}"
        f' {{ http_auth_bearer,jwt_verify("{tenant.algorithm.value}","{key}") -m int 1 }}'
        for key in tenant.key_files
    ]


def identity_rules(config: GatewayConfig) -> list[str]:
    """Bearer JWT: signature by the tenant's issuer, exp/nbf, tenant boundary, audience."""
    skew = config.clock_skew_seconds
    lines = [
        "    acl has_bearer http_auth_bearer -m found",
        "    http-request set-var(txn.now) date",
        "    http-request set-var(txn.iss) http_auth_bearer,jwt_payload_query('$.iss')",
        "    http-request set-var(txn.aud) http_auth_bearer,jwt_payload_query('$.aud')",
        "    http-request set-var(txn.aud) http_auth_bearer,jwt_payload_query('$.aud[0]')"
        " unless { var(txn.aud) -m found }",
        "    http-request set-var(txn.exp) http_auth_bearer,jwt_payload_query('$.exp','int')",
        "    http-request set-var(txn.nbf) http_auth_bearer,jwt_payload_query('$.nbf','int')",
        f"    http-request set-var(txn.ttl) var(txn.exp),add({skew}),sub(txn.now)",
        # now + skew - nbf, negative while the token is not yet valid (HAProxy 2.6 saturates
        # a subtraction that starts below zero, so the order of terms matters)
        f"    http-request set-var(txn.valid_for) var(txn.now),add({skew}),sub(txn.nbf)",
    ]
    for tenant in config.tenants:
        lines += _verification_rules(tenant)
    # the subject only of a token whose signature a tenant's key verified: an unverified
    # token's claims are the caller's say-so and must not name a person in the audit
    lines.append(
        "    http-request set-var(txn.sub) http_auth_bearer,jwt_payload_query('$.sub')"
        " if { var(txn.tenant) -m found }"
    )
    metadata = 'resource_metadata=\\"%[var(txn.metadata)]\\"'
    missing = oauth_error(
        "unauthorized", "a bearer token from the issuer of this server tenant is required"
    )
    invalid = oauth_error("invalid_token", "signature, issuer, expiry or audience is wrong")
    forbidden = oauth_error("forbidden", "the tenant of this token may not use this server")
    lines += [
        "    acl token_verified var(txn.tenant) -m found",
        "    acl token_live var(txn.ttl) -m int gt 0",
        "    acl token_early var(txn.valid_for) -m int lt 0",
        "    acl tenant_matches var(txn.tenant),strcmp(txn.server_tenant) eq 0",
        "    acl audience_matches var(txn.aud),strcmp(txn.resource) eq 0",
        _deny("unauthenticated", "!has_bearer"),
        f"    http-request return status 401 {JSON} string '{missing}'"
        f' hdr WWW-Authenticate "Bearer {metadata}" if !has_bearer',
        _deny("unauthenticated", "!token_verified || !token_live || token_early"),
        _deny("forbidden-tenant", "token_verified token_live !token_early !tenant_matches"),
        f"    http-request return status 403 {JSON} string '{forbidden}'"
        " if { var(txn.denial) -m str forbidden-tenant }",
        _deny("unauthenticated", "!audience_matches"),
        f"    http-request return status 401 {JSON} string '{invalid}'"
        f' hdr WWW-Authenticate "Bearer error=\\"invalid_token\\", {metadata}"'
        " if { var(txn.denial) -m str unauthenticated }",
    ]
    return lines


def limit_rules(config: GatewayConfig) -> list[str]:
    """Per-tenant request rate; each gateway replica enforces its share of the limit.

    The share is ceil(limit / live gateway replicas), computed per request from the count
    ``gateway_replicas.lua`` keeps (the configured replica count until its first count, and
    always when the configuration lists no peers).
    """
    body = oauth_error("rate_limited", "the request rate limit of the tenant is exceeded")
    live = "txn.gateway_replicas"
    lines = [
        f"    http-request set-var({live}) lua.gateway_replicas({config.replicas})"
        " if { var(txn.tenant) -m found }"
    ]
    for tenant in config.tenants:
        is_tenant = f"{{ var(txn.tenant) -m str {tenant.name} }}"
        lines += [
            f"    http-request track-sc0 var(txn.tenant) table rate_{tenant.name} if {is_tenant}",
            f"    http-request set-var(txn.retry_after) int({tenant.rate_limit.period_seconds})"
            f" if {is_tenant}",
            f"    http-request set-var(txn.rate_share) int({tenant.rate_limit.requests}),"
            f"add({live}),sub(1),div({live}) if {is_tenant}",
        ]
    lines += [
        "    http-request set-var(txn.rate_excess) sc0_http_req_rate,sub(txn.rate_share)"
        " if { var(txn.rate_share) -m found }",
        _deny("rate-limited", "{ var(txn.rate_excess) -m int gt 0 }"),
    ]
    lines.append(
        f"    http-request return status 429 {JSON} string '{body}'"
        " hdr Retry-After %[var(txn.retry_after)] if { var(txn.denial) -m str rate-limited }"
    )
    return lines


def jsonrpc_error_rules(code: int, message: str, condition: str, status: int = 200) -> list[str]:
    """Answer a JSON-RPC error for the request's id, numeric or string, without forwarding."""
    error = f'"error":{{"code":{code},"message":"{message}","data":{{"server":"%[var(txn.server)]"}}}}}}'
    numeric = "{ var(txn.rpc_id) -m reg ^-?[0-9]+$ }"
    return [
        f"    http-request return status {status} {JSON}"
        f" lf-string '{jsonrpc_error_prefix()}%[var(txn.rpc_id)],{error}' if {condition} {numeric}",
        f"    http-request return status {status} {JSON}"
        f" lf-string '{jsonrpc_error_prefix()}\"%[var(txn.rpc_id),json(utf8s)]\",{error}'"
        f" if {condition} !{numeric} {{ var(txn.rpc_id) -m found }}",
        f"    http-request return status {status} {JSON}"
        f" lf-string '{jsonrpc_error_prefix()}null,{error}' if {condition}",
    ]


def inspect_rules(config: GatewayConfig) -> list[str]:
    """Read the JSON-RPC method, id and tool first, so every log line and denial names them.

    Method and tool come from ``mcp_inspect.lua`` (lua-cjson), which reads duplicate and
    escaped keys the way the servers do; ``json_query`` would not (see the Lua file).
    """
    too_large = oauth_error("request_too_large", f"bodies over {config.max_body_bytes} bytes")
    return [
        # A body HAProxy could not buffer whole (chunked bodies report the size seen so far)
        # would be inspected in part: refused, so a tool name past the buffer cannot slip by.
        "    http-request set-var(txn.body_len) req.body_len if METH_POST",
        "    http-request set-var(txn.body_missing) req.body_size,sub(txn.body_len) if METH_POST",
        "    http-request set-var(txn.denial) str(bad-request)"
        f" if {{ req.body_size gt {config.max_body_bytes} }} || {{ var(txn.body_missing) -m int gt 0 }}",
        f"    http-request return status 413 {JSON} string '{too_large}'"
        " if { var(txn.denial) -m str bad-request }",
        "    http-request lua.mcp_inspect if METH_POST",
        "    http-request set-var(txn.rpc_id) req.body,json_query('$.id') if METH_POST",
        "    acl is_tools_call var(txn.method) -m str tools/call",
    ]


def jsonrpc_rules(config: GatewayConfig) -> list[str]:
    """Answered by the gateway, never forwarded: batches and tools a route does not approve."""
    lines = [_deny("bad-request", "METH_POST { var(txn.rpc_kind) -m str unparseable }")]
    lines += jsonrpc_error_rules(
        PARSE_ERROR, "Parse error", "{ var(txn.rpc_kind) -m str unparseable }"
    )
    lines.append(_deny("bad-request", "METH_POST { var(txn.rpc_kind) -m str batch }"))
    lines += jsonrpc_error_rules(
        INVALID_REQUEST,
        "JSON-RPC batches are not supported",
        "{ var(txn.rpc_kind) -m str batch }",
    )
    for route in config.routes:
        approved = " ".join(sorted(route.approved_tools))
        tool_ok = f"{{ var(txn.tool) -m str {approved} }}" if approved else "FALSE"
        lines.append(_deny("tool-not-approved", f"route_{route.name} is_tools_call !{tool_ok}"))
    lines += jsonrpc_error_rules(
        INVALID_PARAMS,
        "Tool not approved on this server",
        "{ var(txn.denial) -m str tool-not-approved }",
    )
    return lines


def forward_rules(config: GatewayConfig) -> list[str]:
    """The caller's token stays at the gateway; the upstream learns the tenant instead."""
    lines = [
        "    http-request del-header Authorization",
        "    http-request set-header X-Mcp-Tenant %[var(txn.tenant)]",
    ]
    lines += [f"    use_backend mcp_{route.name} if route_{route.name}" for route in config.routes]
    return lines


def mcp_frontend(config: GatewayConfig) -> list[str]:
    return [
        "frontend mcp",
        f'    bind "{config.listen}"',
        "    option http-buffer-request",
        f"    log-format {log_format()}",
        *trace_rules(),
        *client_rules(),
        *route_rules(config),
        *inspect_rules(config),
        *identity_rules(config),
        *limit_rules(config),
        *jsonrpc_rules(config),
        *forward_rules(config),
    ]
