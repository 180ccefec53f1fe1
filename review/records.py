"""Reading a rendered resource record: the one place that knows where its identity lives.

A record's ``inputs`` hold either Kubernetes labels (``metadata.labels``) or AWS tags
(``tags``); both use the contract's keys (``policy/contract.py``), so the server a resource
belongs to is read the same way for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy import contract


def inputs_of(record: Mapping[str, Any] | None) -> dict[str, Any]:
    """The record's inputs as a dict (empty for no record)."""
    inputs = (record or {}).get("inputs")
    return dict(inputs) if isinstance(inputs, Mapping) else {}


def identity_of(record: Mapping[str, Any] | None) -> dict[str, Any]:
    """The record's Kubernetes labels or AWS tags: where its server, tenant and SLO are named."""
    inputs = inputs_of(record)
    metadata = inputs.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("labels"), Mapping):
        return dict(metadata["labels"])
    tags = inputs.get("tags")
    return dict(tags) if isinstance(tags, Mapping) else {}


def server_of(record: Mapping[str, Any] | None) -> str | None:
    """The MCP server a resource belongs to (``mcp-fleet.io/server``), if it names one."""
    value = identity_of(record).get(contract.SERVER)
    return value if isinstance(value, str) and value else None
