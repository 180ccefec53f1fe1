"""Example stack files turned into the raw config the engine hands the program."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]


def raw_config(stack: str) -> dict[str, str]:
    document = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())
    return {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in document["config"].items()
    }


def with_value(stack: str, key: str, value: Any) -> dict[str, str]:
    """The stack's config with one top-level key replaced (None removes it)."""
    config = raw_config(stack)
    if value is None:
        config.pop(key, None)
    else:
        config[key] = value if isinstance(value, str) else json.dumps(value)
    return config


def structured(stack: str, key: str) -> Any:
    return json.loads(raw_config(stack)[key])
