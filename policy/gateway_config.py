"""The gateway's rendered HAProxy configuration as the pack reads it from its ConfigMap.

The Gateway component puts ``gateway.render``'s text under ``haproxy.cfg`` in a ConfigMap
labelled as the gateway; the pack reads the ``frontend mcp`` section of that text (standard
library only, like the rest of the pack), so what it judges is what HAProxy runs.
"""

from __future__ import annotations

import re
from typing import Any

from .reads import get, is_unknown, string_map

COMPONENT_LABEL = "app.kubernetes.io/component"
GATEWAY_COMPONENT = "gateway"
CONFIG_KEY = "haproxy.cfg"
USE_BACKEND = re.compile(r"^use_backend\s+(\S+)(?:\s+(?:if|unless)\s+(.*))?$")


def gateway_config_text(props: Any) -> str | None:
    """The rendered text when ``props`` is the gateway's ConfigMap; None otherwise or unknown."""
    labels = string_map(get(props, "metadata", "labels", default={}))
    if labels.get(COMPONENT_LABEL) != GATEWAY_COMPONENT:
        return None
    text = get(props, "data", CONFIG_KEY)
    if is_unknown(text) or not isinstance(text, str):
        return None
    return text


def section(text: str, header: str) -> list[str]:
    """The stripped directive lines of one section (``frontend mcp``), comments left out."""
    lines: list[str] = []
    inside = False
    for raw in text.splitlines():
        if raw and not raw[0].isspace():
            inside = raw.strip() == header
            continue
        line = raw.strip()
        if inside and line and not line.startswith("#"):
            lines.append(line)
    return lines


def backends_used(lines: list[str]) -> list[tuple[str, str]]:
    """(backend, condition) of each ``use_backend`` line; condition empty when unconditional."""
    found = []
    for line in lines:
        match = USE_BACKEND.match(line)
        if match:
            found.append((match.group(1), (match.group(2) or "").strip()))
    return found
