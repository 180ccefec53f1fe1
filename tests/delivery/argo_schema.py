"""Run tools/argo-rollouts/validate.mjs: the published Argo Rollouts schemas, from npm."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tests.pipeline.node_tools import node_tool


@dataclass(frozen=True)
class Verdict:
    returncode: int
    lines: tuple[str, ...]
    stderr: str

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(line for line in self.lines if ": error: " in line)


def validate(documents: Sequence[dict[str, Any]]) -> Verdict:
    """One line per document, ``N Kind/name: ok`` or ``N Kind/name: error: ...``."""
    return validate_raw(json.dumps(list(documents)))


def validate_raw(stdin: str) -> Verdict:
    """The validator on any input, to see how it treats one that is not a list of objects."""
    command = node_tool("argo-rollouts", ".package-lock.json", "validate.mjs")
    done = subprocess.run(
        command, input=stdin, capture_output=True, text=True, check=False, timeout=120
    )
    return Verdict(done.returncode, tuple(done.stdout.splitlines()), done.stderr)
