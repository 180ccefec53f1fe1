"""A Pulumi stack file read as the CLI reads it, refusing what the CLI would guess at.

The review reads ``Pulumi.<stack>.yaml`` itself (it has no Pulumi CLI), and a stack file can
be given with ``--config-file``; either way every mistake in the file's shape is one
``SettingsError`` naming the file: not YAML, a key twice, a top level or ``config`` that is
not a mapping. The config comes back as the engine hands it to the program: ``namespace:key``
keys, strings as written, everything else as JSON text.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from stacks.errors import SettingsError
from stacks.strict_yaml import read_yaml

STACK_FILE_VARIABLE = "MCP_FLEET_STACK_FILE"
"""Names the stack file in messages when it is not ``Pulumi.<stack>.yaml`` (``--config-file``).

The program cannot ask the engine which file it read, so whoever chose the file (the review's
``--config-file``, or a person running ``pulumi up --config-file``) says so here.
"""


def stack_file_name(stack: str) -> str:
    """The stack file messages name: the chosen file if one was named, else the default."""
    return os.environ.get(STACK_FILE_VARIABLE) or f"Pulumi.{stack}.yaml"


def read_project_name(project_file: Path) -> str:
    """The project name from ``Pulumi.yaml``: the namespace of the stack file's bare keys."""
    document: Any = read_yaml(project_file)
    name = document.get("name") if isinstance(document, dict) else None
    if not isinstance(name, str) or not name:
        raise SettingsError(
            f"{project_file}: name: a Pulumi project file is a YAML mapping naming the project "
            "(name: mcp-fleet, runtime: ...)"
        )
    return name


def read_stack_config(path: Path, project: str) -> dict[str, str]:
    """The ``config:`` block of the stack file at ``path``, as the engine passes it on."""
    document: Any = read_yaml(path)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise SettingsError(
            f"{path}: a stack file is a YAML mapping with a config: key, not "
            f"a {type(document).__name__}"
        )
    config = document.get("config")
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise SettingsError(
            f"{path}: config: must be a mapping of settings (mcp-fleet:environment: prod, ...), "
            f"not a {type(config).__name__}"
        )
    return {_full_key(key, project): _as_engine_value(value) for key, value in config.items()}


def _full_key(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _as_engine_value(value: Any) -> str:
    """Strings stay as written; structured values travel as JSON, as the engine sends them."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, allow_nan=True, default=str)
    except (TypeError, ValueError) as error:  # pragma: no cover - YAML builds JSON-able values
        raise SettingsError(f"cannot pass a value on as JSON: {error}") from None
