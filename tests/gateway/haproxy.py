"""Find HAProxy for the tests: skip on a developer machine without it, fail in CI."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

import pytest


def haproxy_or_skip() -> str:
    """The haproxy binary (and lua-cjson, which the gateway's Lua inspector loads); in CI
    (``CI`` set) their absence fails the test instead of skipping it."""
    found = shutil.which("haproxy")
    if found and glob.glob("/usr/lib/*/liblua5.3-cjson.so.0"):
        return found
    message = (
        "haproxy or lua-cjson is not installed "
        "(make system-deps, or apt-get install -y haproxy lua-cjson)"
    )
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
