"""Read YAML written by people without guessing: one message for every way it can be wrong.

PyYAML's ``safe_load`` silently keeps the last of two equal keys, so a stack file or catalog
entry that sets ``peakRps`` twice deploys whichever came second. The loader here refuses
duplicate keys and keys that are not strings, and turns every parse failure (syntax, a tag
it will not construct, nesting too deep to read) into one ``SettingsError`` naming the file
and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from stacks.errors import SettingsError

MAX_BYTES = 1024 * 1024
"""A stack file or catalog entry is a few kilobytes; anything past a megabyte is a mistake."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate and non-string mapping keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} is not text; write keys as names (quote it: '{key}')",
                    key_node.start_mark,
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice (lines {seen[key]} and {line}); keep one",
                    key_node.start_mark,
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _describe(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        problem = error.problem or "cannot be read"
        return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return str(error).replace("\n", " ")


def parse_yaml(text: str, source: str) -> Any:
    """The one YAML document in ``text``; SettingsError naming ``source`` if it is not one."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise SettingsError(f"{source}: the file is larger than {MAX_BYTES} bytes; is it YAML?")
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as error:
        raise SettingsError(f"{source}: not valid YAML: {_describe(error)}") from None
    except RecursionError:
        raise SettingsError(f"{source}: the YAML is nested too deeply to read") from None


def read_yaml(path: Path) -> Any:
    """Parse the YAML file at ``path``; unreadable files end in the same one message."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise SettingsError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    except OSError as error:
        raise SettingsError(f"{path}: cannot read the file: {error.strerror or error}") from None
    return parse_yaml(text, str(path))
