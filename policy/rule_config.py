"""A policy's configuration as every caller sees it: the schema's defaults, then what was given."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pulumi_policy import PolicyConfigSchema

PACK_DIR = Path(__file__).resolve().parent


def config_with_defaults(args: Any, schema: PolicyConfigSchema) -> dict[str, Any]:
    """The policy's config over its schema's defaults.

    The Pulumi CLI fills in defaults before it configures the pack, but other callers (an
    offline review, tests) may not; applying them here makes every caller equal.
    """
    merged = {
        name: prop["default"] for name, prop in schema.properties.items() if "default" in prop
    }
    try:
        given = args.get_config() or {}
    except AttributeError:
        given = {}
    merged.update({key: value for key, value in dict(given).items() if key != "enforcementLevel"})
    return merged


def today(config: Mapping[str, Any]) -> dt.date:
    """``now`` from config (ISO date or timestamp) for reproducible reviews, else today (UTC)."""
    text = config.get("now")
    if isinstance(text, str) and text:
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            pass
    return dt.datetime.now(dt.UTC).date()


NOW_SCHEMA: dict[str, Any] = {
    "type": "string",
    "default": "",
    "description": "ISO date to judge at (reviews, tests); empty means today (UTC).",
}
"""The ``now`` property of every policy that judges by date (the review pins it)."""


def pack_path(text: str) -> Path:
    """A config path: absolute, or relative to the policy pack directory."""
    path = Path(text)
    return path if path.is_absolute() else PACK_DIR / path
