"""One HAProxy backend per route: balancing, session pinning, health, ejection, retries, TLS.

Stateful routes pin a session to the replica that created it by prefixing the upstream's
``Mcp-Session-Id`` with the replica's stable name (``r0.<id>``) on the way out and stripping
it on the way in. The routing key travels with the client, so every gateway replica routes
the same way with no shared table and nothing to replicate; a session whose replica is down
falls through to a live one, which answers 404 "session not found" and the client
re-initializes, as the MCP transport specifies.

Upstream names are resolved at run time (``resolvers dns``, ``init-addr none``): a pod that
does not exist yet (HPA below its maximum) starts out down instead of stopping HAProxy from
starting, and a pod that moves is found again. A remote's name is resolved through libc at
start and, unless ``runtime_dns`` is off, followed through DNS afterwards.

Retries happen only on connection failures, before any byte of the request reached a
server, so no ``tools/call`` is ever sent twice.
"""

from __future__ import annotations

from gateway.model import GatewayConfig, LocalUpstream, RemoteUpstream, Route, SessionMode

PIN_PATTERN = "^[a-z0-9-]+[.]."


def _common(config: GatewayConfig, route: Route) -> list[str]:
    ejection = config.ejection
    return [
        f"backend mcp_{route.name}",
        "    balance roundrobin",
        f"    timeout connect {route.timeouts.connect_ms}ms",
        f"    timeout server {route.timeouts.server_ms}ms",
        f"    retries {route.retries}",
        "    retry-on conn-failure",
        "    option redispatch 1",
        f"    default-server check inter {ejection.check_interval_ms}ms fall {ejection.fall}"
        f" rise {ejection.rise} observe layer7 error-limit {ejection.error_limit}"
        " on-error mark-down",
    ]


def _session_pinning(upstream: LocalUpstream) -> list[str]:
    lines = [
        "    http-request set-var(txn.pinned) req.hdr(mcp-session-id),field(1,.)"
        f" if {{ req.hdr(mcp-session-id) -m reg {PIN_PATTERN} }}",
        "    http-request set-var(txn.upstream_session) req.hdr(mcp-session-id),"
        "regsub('^[a-z0-9-]+[.]','') if { var(txn.pinned) -m found }",
        "    http-request set-header Mcp-Session-Id %[var(txn.upstream_session)]"
        " if { var(txn.pinned) -m found }",
        "    http-response set-header Mcp-Session-Id %[srv_name].%[res.hdr(mcp-session-id)]"
        " if { res.hdr(mcp-session-id) -m found }",
    ]
    lines += [
        f"    use-server {replica.name} if {{ var(txn.pinned) -m str {replica.name} }}"
        for replica in upstream.replicas
    ]
    return lines


def _local(route: Route, upstream: LocalUpstream) -> list[str]:
    lines = [
        f"    option httpchk GET {upstream.health_path}",
        "    http-check expect status 200",
        f"    http-request set-path {upstream.mcp_path}",
    ]
    if route.session_mode is SessionMode.STATEFUL:
        lines += _session_pinning(upstream)
    lines += [
        f"    server {replica.name} {replica.address} id {index} resolvers dns init-addr none"
        for index, replica in enumerate(upstream.replicas, start=1)
    ]
    return lines


def _remote(upstream: RemoteUpstream) -> list[str]:
    scheme = f"{upstream.credential_scheme} " if upstream.credential_scheme else ""
    dns = " resolvers dns" if upstream.runtime_dns else ""
    return [
        f"    http-request set-path {upstream.path}",
        f"    http-request set-header Host {upstream.host}",
        f'    http-request set-header {upstream.credential_header} "{scheme}%[env({upstream.credential_env})]"',
        f"    server remote {upstream.host}:{upstream.port} id 1{dns} init-addr libc,none"
        " ssl verify required"
        f" ca-file {upstream.ca_file} sni str({upstream.host}) check-ssl check-sni {upstream.host}",
    ]


def backend(config: GatewayConfig, route: Route) -> list[str]:
    lines = _common(config, route)
    if isinstance(route.upstream, RemoteUpstream):
        return lines + _remote(route.upstream)
    return lines + _local(route, route.upstream)


def rate_tables(config: GatewayConfig) -> list[str]:
    """One stick table per tenant: its own rate period, counted by each gateway replica."""
    lines: list[str] = []
    for tenant in config.tenants:
        period = tenant.rate_limit.period_seconds
        lines += [
            f"backend rate_{tenant.name}",
            f"    stick-table type string len 64 size 1k expire {max(period * 2, 10)}s"
            f" store http_req_rate({period}s)",
            "",
        ]
    return lines
