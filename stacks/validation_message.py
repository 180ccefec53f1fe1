"""Turn a pydantic ValidationError into one message a person can act on.

Each problem names the file, the key as the user wrote it (``mcp-fleet:servers[2].peakRps``),
what was wrong with the value given, and what would be right (the field's description or
the allowed keys), so nobody has to read a traceback to fix a stack file.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

MAX_SHOWN = 120
"""Characters of a wrong value repeated in a message."""


def _field_by_alias(model: type[BaseModel], key: str) -> FieldInfo | None:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for argument in typing.get_args(annotation):
        found.extend(_models_in(argument))
    return found


def _locate(
    model: type[BaseModel], loc: Sequence[int | str]
) -> tuple[FieldInfo | None, type[BaseModel]]:
    """The field a location points at, and the model that owns it."""
    owner: type[BaseModel] = model
    field: FieldInfo | None = None
    for part in loc:
        if isinstance(part, int):
            continue
        field = _field_by_alias(owner, part)
        if field is None:
            return None, owner
        nested = _models_in(field.annotation)
        if nested:
            owner = nested[0]
    return field, owner


def format_key(prefix: str, loc: Sequence[int | str]) -> str:
    key = prefix
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
        elif part.startswith(("function-", "tagged-union")) or part in ("list", "tuple"):
            continue
        else:
            key += f".{part}" if key and not key.endswith(":") else part
    return key or "(top level)"


def _expected(error: Any, field: FieldInfo | None, owner: type[BaseModel]) -> str:
    if error["type"] == "extra_forbidden":
        allowed = sorted(f.alias or n for n, f in owner.model_fields.items())
        return f"remove it; the keys allowed here are: {', '.join(allowed)}"
    if field is not None and field.description:
        return f"expected {field.description}"
    if field is not None and field.annotation is not None:
        return f"expected a value of type {_type_name(field.annotation)}"
    return "see README.md, 'Stack settings'"


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return " or ".join(_type_name(a) for a in typing.get_args(annotation))
    return str(annotation).replace("typing.", "")


def describe_validation_error(
    error: ValidationError, source: str, model: type[BaseModel], key_prefix: str = ""
) -> str:
    lines = []
    problems = error.errors()
    for problem in problems:
        loc = problem["loc"]
        if problem["type"] == "too_short" and any(
            other["loc"][: len(loc)] == loc and len(other["loc"]) > len(loc) for other in problems
        ):
            continue  # the items themselves failed; their errors say why

        path = [p for p in loc if isinstance(p, (int, str))]
        field, owner = _locate(model, path)
        key = format_key(key_prefix, path)
        message = problem["msg"].removeprefix("Value error, ")
        if _is_whole_object_check(problem):
            # A check over several keys (minReplicas above maxReplicas): its own message
            # says what is wrong and what to do; the object and the field's description
            # would only bury it.
            lines.append(f"{source}: {key}: {message}")
            continue
        lines.append(
            f"{source}: {key}: {message}{_given(problem)}; {_expected(problem, field, owner)}"
        )
    return "\n".join(lines)


def _is_whole_object_check(problem: Any) -> bool:
    return problem["type"] == "value_error" and isinstance(problem.get("input"), (dict, list))


def _given(problem: Any) -> str:
    """The offending value, shortened: a pasted blob must not drown the message."""
    if problem["type"] in ("missing", "extra_forbidden"):
        return ""
    shown = repr(problem.get("input"))
    if len(shown) > MAX_SHOWN:
        shown = shown[: MAX_SHOWN - 3] + "..."
    return f" (got {shown})"
