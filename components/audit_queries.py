"""CloudWatch Logs Insights queries for the three audit questions, over the sealed records.

The audit log group holds one sealed record per event, as the JSON docs/audit.md defines
(``timestamp``, ``event_type``, ``user``, ``action``, ``resource``, ``result``, ``tenant``,
``reason``, ``trace_id``, ``details.*``, ``sequence``), so Insights discovers every field.
Saved queries take no parameters: each holds a placeholder in capitals that the person
running it replaces (``TOOL``, ``TENANT``, ``SERVER``), and the time window T1..T2 is the
query's time range (records are put with their own ``timestamp``). ``ops audit search``
answers the same questions from the archive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOOL_PLACEHOLDER = "TOOL"
TENANT_PLACEHOLDER = "TENANT"
SERVER_PLACEHOLDER = "SERVER"
RECORD_FIELDS = "timestamp, sequence, event_type, user, tenant, action, resource, result, reason"


@dataclass(frozen=True)
class AuditQuery:
    slug: str
    """The last part of the saved query's name: ``<folder>/<slug>``."""
    question: str
    query_string: str


def who_called_tool(tool: str = TOOL_PLACEHOLDER) -> str:
    """Calls and denials of ``tool`` on any server, like ``ops audit search --tool``.

    A regular expression anchored at the end, so ``create`` does not also find
    ``create_issue``; the resource is ``servers/<server>/tools/<tool>``.
    """
    return "\n".join(
        [
            f"fields {RECORD_FIELDS}, ip_address, user_agent, trace_id",
            '| filter event_type in ["gateway.tool_call", "gateway.denial"]',
            f"| filter resource like /\\/tools\\/{re.escape(tool)}$/",
            "| sort sequence asc",
        ]
    )


def what_tenant_did(tenant: str = TENANT_PLACEHOLDER) -> str:
    """Everything recorded for ``tenant`` in the query's time range (T1..T2)."""
    return "\n".join(
        [
            f"fields {RECORD_FIELDS}, trace_id",
            f'| filter tenant = "{tenant}"',
            "| sort sequence asc",
        ]
    )


def who_promoted(server: str = SERVER_PLACEHOLDER) -> str:
    """Promotions of ``server`` between stages, with who, why and from/to which stage."""
    return "\n".join(
        [
            f"fields {RECORD_FIELDS}, details.version, details.from_stage, details.to_stage",
            '| filter event_type = "catalog.promotion"',
            f'| filter resource = "servers/{server}"',
            "| sort sequence asc",
        ]
    )


AUDIT_QUERIES = (
    AuditQuery("who-called-tool", "who called tool X", who_called_tool()),
    AuditQuery("what-did-tenant-do", "what did tenant Y do between T1 and T2", what_tenant_did()),
    AuditQuery("who-promoted-server", "who promoted server Z", who_promoted()),
)
