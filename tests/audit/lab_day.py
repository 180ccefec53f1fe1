"""A made-up lab day: gateway access-log lines and ``ops catalog`` events, with the answers.

Two tenants: acme (servers github, docs-search) and globex (jira). The expected answers
to the three questions are spelled out here once, next to the data they come from.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from audit import catalog_events
from audit.schema import AuditEvent

TRACE = "4bf92f3577b34da6a3ce929d0e0e{:04x}"


NINE_AM = int(datetime(2026, 11, 26, 9, 0, tzinfo=UTC).timestamp())


def _line(minute: int, **fields: Any) -> str:
    """A line in gateway/log_format.py's shape, plus ``sub`` and ``user_agent``."""
    base = {
        "time_unix": NINE_AM + 60 * minute,
        "gateway": "gateway-0",
        "client": "203.0.113.7",
        "trace_id": TRACE.format(minute),
        "http_method": "POST",
        "status": 200,
        "latency_ms": 41,
        "upstream_ms": 38,
        "replica": "github-0",
        "denial": "-",
        "bytes_out": 512,
        "termination": "----",
        "sub": "-",
        "user_agent": "mcp-python-sdk/2.3",
    }
    return json.dumps(base | fields)


GATEWAY_LINES = [
    "[NOTICE]   (4242) : haproxy version is 2.6.12-1+deb12u2",
    _line(0, tenant="acme", server="github", method="initialize", sub="alice@acme.example"),
    _line(1, tenant="acme", server="github", method="tools/list", sub="alice@acme.example"),
    _line(
        2,
        tenant="acme",
        server="github",
        method="tools/call",
        tool="create_issue",
        sub="alice@acme.example",
    ),
    _line(
        3,
        tenant="acme",
        server="github",
        method="tools/call",
        tool="search_code",
        sub="bob@acme.example",
    ),
    _line(
        4,
        tenant="globex",
        server="jira",
        method="tools/call",
        tool="create_issue",
        sub="carol@globex.example",
        status=502,
    ),
    _line(
        5,
        tenant="acme",
        server="github",
        method="tools/call",
        tool="delete_repo",
        sub="mallory@acme.example",
        denial="tool-not-approved",
    ),
    _line(
        6,
        tenant="acme",
        server="github",
        method="tools/call",
        sub="-",
        status=401,
        denial="unauthenticated",
        tool="-",
        client="198.51.100.9",
    ),
    _line(
        7,
        tenant="globex",
        server="github",
        method="tools/call",
        tool="create_issue",
        sub="carol@globex.example",
        status=403,
        denial="forbidden-tenant",
    ),
    _line(
        8,
        tenant="acme",
        server="docs-search",
        method="tools/call",
        tool="search",
        sub="alice@acme.example",
    ),
    _line(
        9,
        tenant="acme",
        server="docs-search",
        method="tools/call",
        tool="search",
        sub="alice@acme.example",
        status=429,
        denial="rate-limited",
    ),
    _line(10, tenant="acme", server="docs-search", method="notifications/initialized", status=202),
]
NOT_AUDIT_EVENTS = 4
"""HAProxy's start-up notice, and initialize, tools/list and a notification: requests, but
not tool calls or denials."""

WHO_CALLED_CREATE_ISSUE = [
    ("alice@acme.example", "acme", "success"),
    ("carol@globex.example", "globex", "failure"),
    ("carol@globex.example", "globex", "denied"),
]
"""(user, tenant, result) of every create_issue call, across servers, in order."""

ACME_BETWEEN_09_03_AND_09_08 = [
    ("servers/github/tools/search_code", "success"),
    ("servers/github/tools/delete_repo", "denied"),
    ("servers/github", "denied"),
]
"""acme's records with 09:03 <= timestamp < 09:08 (the half-open window)."""


def catalog_day() -> list[AuditEvent]:
    """github's approval workflow, the afternoon after the gateway lines."""

    def at(hour: int) -> datetime:
        return datetime(2026, 11, 26, hour, 0, tzinfo=UTC)

    return [
        catalog_events.registration(
            "github", "1.4.0", "devtools", "dana@corp.example", "new release", at(13)
        ),
        catalog_events.approval(
            "github", "1.4.0", "35736e67adad13d5", "erin@corp.example", "scans clean", at(14)
        ),
        catalog_events.promotion(
            "github", "1.4.0", "dev", "staging", "frank@corp.example", "dev soak passed", at(15)
        ),
        catalog_events.promotion(
            "jira", "2.0.1", "staging", "prod", "grace@corp.example", "CAB-1234 approved", at(16)
        ),
        catalog_events.promotion(
            "github", "1.4.0", "staging", "prod", "heidi@corp.example", "CAB-1240 approved", at(17)
        ),
        catalog_events.ownership_change(
            "github", "devtools", "platform", "ivan@corp.example", "team merge", at(18)
        ),
        catalog_events.slo_exception(
            "github",
            "erin@corp.example",
            date(2027, 1, 31),
            "ivan@corp.example",
            "upstream API p95 is 600 ms until the migration",
            at(19),
        ),
    ]


WHO_PROMOTED_GITHUB = [
    ("frank@corp.example", "dev", "staging"),
    ("heidi@corp.example", "staging", "prod"),
]
