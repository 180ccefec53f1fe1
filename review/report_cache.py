"""The finished report in the review cache: a re-review with nothing changed prints it.

The render and policy entries (``review.cache``) spare the render and the pack, but turning
them back into a report still imported the SDK, loaded the settings (botocore's partition
data) and encoded the JSON: 5 s for 100 servers. This entry holds the very text the review
printed, and its exit status, keyed by everything that text depends on:

- per stack, the render's key and the policy analysis's key (``review.cache``: the project's
  files, a ``--config-file``, the pack, its config, the review's code, the interpreter and its
  packages, the environment the program and the pack read, the day the pack judges by);
- with ``--base REF``, the commit REF names and where the project lies in the repository
  (the base side is rendered from a clean checkout of it, with its own code and pack);
- the form of the output: the format, and for the text report on a console the console's
  width, colours and whether it is a terminal (a file gets the plain 100-column text).

Looking the entry up costs the two digests (a ``git status`` and a few small files), so the
command line does it before it imports anything else.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from review import cache
from review.request import ReviewRequest

KIND = "report"


@dataclass(frozen=True)
class StoredReport:
    """A report as the review printed it, and the exit status it ended with."""

    text: str
    exit_code: int

    def encode(self) -> bytes:
        return json.dumps({"exit": self.exit_code}).encode() + b"\n" + self.text.encode()

    @classmethod
    def decode(cls, payload: bytes) -> StoredReport | None:
        header, _, text = payload.partition(b"\n")
        try:
            exit_code = json.loads(header)["exit"]
            return cls(text.decode(), int(exit_code))
        except (ValueError, KeyError, TypeError):
            return None


def _base_commit(base: str, project_dir: Path) -> dict[str, str] | None:
    """The commit ``base`` names and the project's place in its tree; None if it names none
    (the review itself then says what is wrong)."""

    def git(*args: str) -> str | None:
        done = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(project_dir), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    inside = git("rev-parse", "--show-prefix")
    if commit is None or inside is None:
        return None
    return {"commit": commit, "inside": inside}


def _request_keys(request: ReviewRequest) -> dict[str, Any]:
    render = cache.render_key(request.stack, request.project_dir, request.config_file)
    policy = None
    if request.check_policy:
        policy = cache.policy_key(render, request.project_dir, request.pack, request.policy_config)
    return {"stack": request.stack, "render": render, "policy": policy}


def report_key(
    requests: Sequence[ReviewRequest], base: str | None, output_form: Mapping[str, Any]
) -> str | None:
    """The entry's key; None when the cache is off or the base revision cannot be named."""
    if cache.cache_dir() is None or not requests:
        return None
    base_commit = None
    if base is not None:
        base_commit = _base_commit(base, requests[0].project_dir)
        if base_commit is None:
            return None
    return cache.digest(
        {
            "format": cache.FORMAT,
            "kind": KIND,
            "reviews": [_request_keys(request) for request in requests],
            "base": base_commit,
            "output": dict(output_form),
        }
    )


def load(key: str | None) -> StoredReport | None:
    payload = cache.load(KIND, key) if key else None
    return StoredReport.decode(payload) if payload is not None else None


def store(key: str | None, report: StoredReport) -> None:
    if key:
        cache.store(KIND, key, report.encode())
