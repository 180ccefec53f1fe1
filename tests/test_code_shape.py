"""The size rules of docs/architecture.md, held by a test so they cannot drift back.

In the packages the program, the pack and the settings are made of, no function is over 80
lines and no module over 400: past that size a file mixes concerns (issue 10).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("components", "policy", "stacks")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def _modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("module", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_modules_and_functions_stay_small(module: Path) -> None:
    source = module.read_text()
    lines = len(source.splitlines())
    assert lines <= MAX_MODULE_LINES, f"{module.name} has {lines} lines (> {MAX_MODULE_LINES})"
    too_long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not too_long, f"{module.name}: functions over {MAX_FUNCTION_LINES} lines: {too_long}"


def test_the_rule_sees_the_packages() -> None:
    """A wrong root would make the parametrized test vacuous."""
    assert len(_modules()) > 50
