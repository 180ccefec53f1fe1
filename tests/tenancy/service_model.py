"""Check an API call against its botocore service model: enums, maximums and patterns.

botocore validates types, required members and minimums before sending; enums, maximum
lengths and patterns it leaves to the service, and moto does not check most of them. The
KMS, Secrets Manager, IAM and Budgets models write patterns with Unicode classes (``\\p{L}``)
that Python's ``re`` cannot read, so patterns are matched with ``regex``, which can.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import botocore.session
import regex
from botocore.model import ListShape, MapShape, Shape, StructureShape

_session = botocore.session.get_session()
NUMBERS = ("integer", "long", "double", "float")


def model_problems(service: str, operation: str, params: Mapping[str, Any]) -> list[str]:
    """Every enum, max and pattern the model states for ``params``; [] when all hold."""
    shape = _session.get_service_model(service).operation_model(operation).input_shape
    assert shape is not None
    problems: list[str] = []
    _check(shape, params, operation, problems)
    return problems


def _check(shape: Shape, value: Any, where: str, problems: list[str]) -> None:
    meta = shape.metadata
    if isinstance(shape, StructureShape):
        unknown = set(value) - set(shape.members)
        problems += [f"{where}: unknown member {name}" for name in sorted(unknown)]
        for name, member in shape.members.items():
            if name in value:
                _check(member, value[name], f"{where}.{name}", problems)
    elif isinstance(shape, ListShape):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{where}: {len(value)} items, at most {meta['max']}")
        for index, item in enumerate(value):
            _check(shape.member, item, f"{where}[{index}]", problems)
    elif isinstance(shape, MapShape):
        for key, item in value.items():
            _check(shape.key, key, f"{where} key", problems)
            _check(shape.value, item, f"{where}[{key}]", problems)
    elif shape.type_name == "string":
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            problems.append(f"{where}: {value!r} is not one of {enum}")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{where}: {len(value)} characters, at most {meta['max']}")
        if "pattern" in meta and not regex.fullmatch(meta["pattern"], value, regex.DOTALL):
            problems.append(f"{where}: {value!r} does not match {meta['pattern']}")
    elif shape.type_name in NUMBERS and "max" in meta and value > meta["max"]:
        problems.append(f"{where}: {value} is above {meta['max']}")
