"""Change top-level fields of a catalog entry file in place, keeping every other line.

A workflow command changes one field (``stages``, ``owner``, ``slo``) and drops the
approval (``signature``): the approval covers the whole document, so any change needs a
new one. Each changed key's block is rewritten where it stands, in the style it had (a
``[a, b]`` list stays a flow list). If the edit would not reproduce the intended document
(an unusual layout), the whole document is dumped instead; nothing is ever half-written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ops.errors import UsageError

SIGNATURE = "signature"


def read_document(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
        document = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as error:
        raise UsageError(f"{path}: cannot read catalog entry: {error}") from None
    if not isinstance(document, dict):
        raise UsageError(f"{path}: a catalog entry is a YAML mapping of server fields")
    return text, document


def _block(lines: list[str], key: str) -> tuple[int, int] | None:
    """Start and end (exclusive) line of the top-level ``key:`` block, if there is one."""
    start_pattern = re.compile(rf"^{re.escape(key)}\s*:")
    for index, line in enumerate(lines):
        if start_pattern.match(line):
            end = index + 1
            while end < len(lines) and lines[end][:1] in (" ", "\t", "-"):
                end += 1
            return index, end
    return None


def _dumped(key: str, value: Any, flow: bool) -> list[str]:
    if flow:
        inline = yaml.safe_dump(value, allow_unicode=True, width=4096, default_flow_style=True)
        return [f"{key}: {inline.strip()}\n"]
    text = yaml.safe_dump(
        {key: value}, sort_keys=False, allow_unicode=True, width=4096, default_flow_style=False
    )
    return text.splitlines(keepends=True)


def set_fields(path: Path, changes: Mapping[str, Any]) -> None:
    """Set top-level keys (a value of None removes the key) and write the file."""
    text, document = read_document(path)
    expected = dict(document)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    for key, value in changes.items():
        found = _block(lines, key)
        flow = found is not None and bool(re.match(rf"^{re.escape(key)}\s*:\s*\[", lines[found[0]]))
        new = [] if value is None else _dumped(key, value, flow and isinstance(value, list))
        if found:
            lines[found[0] : found[1]] = new
        else:
            lines.extend(new)
        if value is None:
            expected.pop(key, None)
        else:
            expected[key] = value
    edited = "".join(lines)
    try:
        reproduced = yaml.safe_load(edited) == expected
    except yaml.YAMLError:
        reproduced = False
    if not reproduced:
        edited = yaml.safe_dump(expected, sort_keys=False, allow_unicode=True, width=4096)
    path.write_text(edited, encoding="utf-8")
