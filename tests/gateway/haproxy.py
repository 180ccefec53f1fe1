"""Find HAProxy for the tests: skip on a developer machine without it, fail in CI."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def haproxy_or_skip() -> str:
    """The haproxy binary; in CI (``CI`` set) its absence fails the test instead of skipping."""
    found = shutil.which("haproxy")
    if found:
        return found
    message = "haproxy is not installed (make system-deps, or apt-get install -y haproxy)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def haproxy_check(
    config: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``haproxy -c`` of a configuration file, with extra environment variables."""
    return subprocess.run(
        [haproxy_or_skip(), "-c", "-f", str(config)],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
