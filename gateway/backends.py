"""One HAProxy backend per route: balancing, session pinning, health, ejection, retries, TLS.

In the cluster a server's replicas are found through its headless Service's SRV record
(``server-template r 1-<HPA max>``, resolved at run time, ``init-addr none``): pods that the
autoscaler or a rollout adds fill free slots, pods that go away leave them, and a slot
without a pod is in maintenance instead of stopping HAProxy from starting. The lab lists
fixed loopback addresses instead (``server`` lines); everything else is the same.

Stateful routes pin a session to the replica that created it by the replica's *address*:
on the way out the upstream's ``Mcp-Session-Id`` is prefixed with the hex of the address
that answered (``bc_dst:bc_dst_port``); on the way in ``session_pin.lua`` finds the live
server of this backend at that address and ``use-server`` sends the request there. Slot
names differ between gateway replicas (each fills its slots in the order DNS answered), the
address does not, so every gateway replica routes a session alike with nothing shared. A
session whose replica is gone is answered 404 "Session not found" by the gateway itself, as
the MCP transport specifies, and the client re-initializes.

Retries happen only on connection failures, before any byte of the request reached a
server, so no ``tools/call`` is ever sent twice.
"""

from __future__ import annotations

from gateway.documents import INVALID_REQUEST
from gateway.frontend import jsonrpc_error_rules
from gateway.model import (
    GatewayConfig,
    LocalUpstream,
    RemoteUpstream,
    Replicas,
    Route,
    SessionMode,
    SrvRecord,
)

SESSION_PIN = "^[0-9A-F]+[.]."
"""A session id the gateway wrote: upper-case hex of ``ip:port``, a dot, the server's id."""
UPSTREAM_SLOT = "r"
PEER_SLOT = "g"
PEERS_BACKEND = "gateway_replicas"
"""Never routed to: its health checks count the live gateway replicas (gateway_replicas.lua)."""


def server_lines(replicas: Replicas, slot: str, options: str = "") -> list[str]:
    """``server-template`` over an SRV record, or one ``server`` line per fixed address."""
    if isinstance(replicas, SrvRecord):
        return [
            f"    server-template {slot} 1-{replicas.max_replicas} {replicas.name}"
            f" resolvers dns init-addr none{options}"
        ]
    return [f"    server {replica.name} {replica.address}{options}" for replica in replicas]


def slot_names(replicas: Replicas, slot: str) -> list[str]:
    """The server names HAProxy gives the replicas: what ``use-server`` can name."""
    if isinstance(replicas, SrvRecord):
        return [f"{slot}{index}" for index in range(1, replicas.max_replicas + 1)]
    return [replica.name for replica in replicas]


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
    has_session = "{ req.hdr(mcp-session-id) -m found }"
    answered = "{ res.hdr(mcp-session-id) -m found }"
    lines = [
        "    http-request set-var(txn.session_pin) req.hdr(mcp-session-id),field(1,.)"
        f" if {{ req.hdr(mcp-session-id) -m reg {SESSION_PIN} }}",
        f"    http-request lua.mcp_session_pin if {has_session}",
        *jsonrpc_error_rules(
            INVALID_REQUEST, "Session not found", "{ var(txn.session_gone) -m bool }", status=404
        ),
        "    http-request set-var(txn.upstream_session) req.hdr(mcp-session-id),"
        "regsub('^[0-9A-F]+[.]','') if { var(txn.pinned) -m found }",
        "    http-request set-header Mcp-Session-Id %[var(txn.upstream_session)]"
        " if { var(txn.pinned) -m found }",
    ]
    lines += [
        f"    use-server {name} if {{ var(txn.pinned) -m str {name} }}"
        for name in slot_names(upstream.replicas, UPSTREAM_SLOT)
    ]
    lines += [
        f"    http-response set-var(txn.upstream_port) bc_dst_port if {answered}",
        "    http-response set-header Mcp-Session-Id"
        f" %[bc_dst,concat(:,txn.upstream_port),hex].%[res.hdr(mcp-session-id)] if {answered}",
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
    return lines + server_lines(upstream.replicas, UPSTREAM_SLOT)


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


def peers_backend(config: GatewayConfig) -> list[str]:
    """Every gateway replica's health endpoint, checked each second to count the live ones."""
    if config.peers is None:
        return []
    return [
        f"backend {PEERS_BACKEND}",
        "    option httpchk GET /healthz",
        "    http-check expect status 200",
        "    default-server check inter 1000ms fall 2 rise 1",
        *server_lines(config.peers, PEER_SLOT),
        "",
    ]


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
