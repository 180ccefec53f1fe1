"""The gateway's access log: one JSON object per request, the fields the SLIs are built from.

Per tenant, server and tool: requests, status, latency and the denial reason
(unauthenticated, forbidden-tenant, tool-not-approved, rate-limited, bad-request), with the
W3C trace id so a log line joins its trace. Values a client controls (method, tool) pass
through HAProxy's ``json`` converter, so a hostile tool name cannot break the line.
"""

from __future__ import annotations

FIELDS: tuple[tuple[str, str], ...] = (
    ("time_unix", "%Ts"),
    ("gateway", '"%H"'),
    ("client", '"%ci"'),
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
