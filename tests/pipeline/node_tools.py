"""Node.js tools the tests run (tools/<name>, pinned by package-lock.json, npm ci on demand).

A missing Node.js or npm skips the test on a developer machine and fails it in CI (CI=true),
so a green CI run always means the check ran.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools"


def missing_tool(message: str) -> None:
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{message} (CI must have it: run scripts/install-system-deps)")
    pytest.skip(message)


def node_tool(name: str, installed_marker: str, script: str) -> list[str]:
    """``[node, tools/<name>/<script>]``, after ``npm ci --prefix tools/<name>`` if needed."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing_tool("Node.js and npm are not installed (Debian packages nodejs and npm)")
    assert node is not None and npm is not None
    directory = TOOLS / name
    # Several xdist workers may need the same tool at once: one installs while the others wait
    # on the lock, then find the marker (two concurrent `npm ci` runs delete each other's files).
    with (directory / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (directory / "node_modules" / installed_marker).exists():
            installed = subprocess.run(
                [npm, "ci", "--prefix", str(directory), "--no-audit", "--no-fund"],
                capture_output=True,
                text=True,
                check=False,
            )
            assert installed.returncode == 0, f"npm ci in tools/{name} failed:\n{installed.stderr}"
    return [node, str(directory / script)]
