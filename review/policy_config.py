"""Policy pack configuration the way the Pulumi CLI builds it for ``--policy-pack-config``.

The CLI (``ReconcilePolicyPackConfig`` in pulumi's ``pkg/resource/analyzer``) starts from
every policy's declared enforcement level and the ``default`` of each property in its config
schema, lays the pack's own initial config over that, then the config file, and validates
each policy's resulting properties against its schema before calling ``Configure``. The
file is a JSON object whose keys are policy names (or ``all``, which sets every policy's
enforcement level) and whose values are an enforcement level or an object of properties,
optionally with an ``enforcementLevel``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")


class PolicyConfigError(Exception):
    """The policy config file is not what the CLI would accept."""


@dataclass(frozen=True)
class PolicyConfig:
    """One policy's configuration: its enforcement level (if set) and its properties."""

    enforcement_level: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeclaredPolicy:
    """What the pack says of a policy in ``GetAnalyzerInfo``."""

    name: str
    description: str
    enforcement_level: str
    severity: str | None = None
    kind: str = "resource"
    config_schema: dict[str, Any] = field(default_factory=dict)
    """JSON schema ``properties`` of the policy's config."""
    required: tuple[str, ...] = ()


def _enforcement_level(value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in ENFORCEMENT_LEVELS:
        raise PolicyConfigError(
            f"{where}: {value!r} is not an enforcement level; use one of "
            f"{', '.join(ENFORCEMENT_LEVELS)}"
        )
    return value


def parse_policy_config(text: str, source: str) -> dict[str, PolicyConfig]:
    """Parse a ``--policy-pack-config`` JSON document; empty text means no config."""
    if not text.strip():
        return {}
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyConfigError(f"{source}: not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise PolicyConfigError(
            f"{source}: the policy config is a JSON object keyed by policy name"
        )
    result: dict[str, PolicyConfig] = {}
    for name, value in document.items():
        where = f"{source}: {name}"
        if isinstance(value, str):
            result[name] = PolicyConfig(enforcement_level=_enforcement_level(value, where))
        elif isinstance(value, dict):
            properties = dict(value)
            level = properties.pop("enforcementLevel", None)
            if level is not None:
                level = _enforcement_level(level, f"{where}.enforcementLevel")
            if level is None and not properties:
                continue
            result[name] = PolicyConfig(enforcement_level=level, properties=properties)
        else:
            raise PolicyConfigError(
                f"{where}: {value!r} is not valid; give an enforcement level or an object"
            )
    return result


def load_policy_config(path: Path | None) -> dict[str, PolicyConfig]:
    """The config file at ``path``; a missing file (or none) means the pack's defaults."""
    if path is None or not path.exists():
        return {}
    try:
        text = path.read_text()
    except OSError as error:
        raise PolicyConfigError(f"{path}: cannot read the policy config: {error}") from None
    return parse_policy_config(text, str(path))


def _apply(result: dict[str, PolicyConfig], given: Mapping[str, PolicyConfig]) -> None:
    everything = given.get("all")
    if everything is not None and everything.enforcement_level is not None:
        for name, current in result.items():
            result[name] = PolicyConfig(everything.enforcement_level, current.properties)
    for name, config in given.items():
        current = result.get(name, PolicyConfig())
        level = config.enforcement_level or current.enforcement_level
        result[name] = PolicyConfig(level, {**current.properties, **config.properties})


def reconcile_policy_config(
    policies: Sequence[DeclaredPolicy],
    initial: Mapping[str, PolicyConfig],
    given: Mapping[str, PolicyConfig],
    source: str = "policy config",
) -> dict[str, PolicyConfig]:
    """Defaults, then the pack's initial config, then the file; validated like the CLI does."""
    result: dict[str, PolicyConfig] = {
        policy.name: PolicyConfig(
            policy.enforcement_level,
            {
                key: schema["default"]
                for key, schema in policy.config_schema.items()
                if isinstance(schema, dict) and "default" in schema
            },
        )
        for policy in policies
    }
    _apply(result, initial)
    _apply(result, given)
    problems: list[str] = []
    for policy in policies:
        if not policy.config_schema and not policy.required:
            continue
        schema: dict[str, Any] = {"type": "object"}
        if policy.config_schema:
            schema["properties"] = policy.config_schema
        if policy.required:
            schema["required"] = list(policy.required)
        validator = jsonschema.Draft7Validator(schema)
        for error in sorted(validator.iter_errors(result[policy.name].properties), key=str):
            location = ".".join(str(part) for part in error.absolute_path)
            where = f"{policy.name}.{location}" if location else policy.name
            problems.append(f"{where}: {error.message}")
    if problems:
        raise PolicyConfigError(
            f"{source}: the policy config does not match the pack's schemas: " + "; ".join(problems)
        )
    return result
