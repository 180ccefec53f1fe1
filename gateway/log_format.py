"""The gateway's access log: one JSON object per request, the fields the SLIs are built from.

Per tenant, server and tool: requests, status, latency and the denial reason
(unauthenticated, forbidden-tenant, tool-not-approved, rate-limited, bad-request), with the
W3C trace id so a log line joins its trace, and who called: the verified token's subject
(``sub``) and the client's User-Agent, for the audit trail.

Time in milliseconds: ``time_unix`` is HAProxy's accept date in epoch seconds with
milliseconds (``%Ts.%ms``; ``%ms`` is zero-padded to three digits, so it is a JSON number).
On a kept-alive connection (the load balancer's) the accept date is the end of the previous
response, so the request itself began ``handshake_ms + idle_ms`` later (``%Th``, ``%Ti``);
the audit adds them. HAProxy 2.6 has no fetch for the request's own date, and a variable set
by a rule would be missing (and the line invalid JSON) for the requests HAProxy refuses
before any rule runs.

Values a client controls (method, tool, subject, User-Agent) pass through HAProxy's ``json``
converter, so a hostile value cannot break the line.
"""

from __future__ import annotations

FIELDS: tuple[tuple[str, str], ...] = (
    ("time_unix", "%Ts.%ms"),
    ("handshake_ms", "%Th"),
    ("idle_ms", "%Ti"),
    ("gateway", '"%H"'),
    ("client", '"%ci"'),
    ("user_agent", '"%[var(txn.user_agent),json(utf8s)]"'),
    ("sub", '"%[var(txn.sub),json(utf8s)]"'),
    ("trace_id", '"%[var(txn.trace_id)]"'),
    ("tenant", '"%[var(txn.tenant)]"'),
    ("server", '"%[var(txn.server)]"'),
    ("method", '"%[var(txn.method),json(utf8s)]"'),
    ("tool", '"%[var(txn.tool),json(utf8s)]"'),
    ("http_method", '"%HM"'),
    ("status", "%ST"),
    ("latency_ms", "%Ta"),
    ("upstream_ms", "%Tr"),
    ("replica", '"%s"'),
    ("denial", '"%[var(txn.denial)]"'),
    ("bytes_out", "%B"),
    ("termination", '"%ts"'),
)
"""Field name and HAProxy log-format tag; a missing value is written as ``-``."""


def log_format() -> str:
    """The log-format line's argument: a JSON object, single-quoted for HAProxy."""
    body = ",".join(f'"{name}":{tag}' for name, tag in FIELDS)
    return "'{" + body + "}'"
