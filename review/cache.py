"""The review cache: renders and policy analyses stored by the content that determines them.

An entry's key is a digest of everything its result depends on (see ``render_key`` and
``policy_key``), so an entry is either exactly right for the inputs or never looked up: there
is nothing to expire and nothing to invalidate by hand, and the directory is safe to share
between checkouts and CI jobs. Entries are written atomically (a temporary file renamed into
place, so two writers of one entry leave one whole entry) and carry the digest of their
payload, checked on every read: a truncated or corrupted entry is ignored, recomputed and
rewritten, never trusted.

``MCP_FLEET_REVIEW_CACHE`` moves the cache (default ``.cache/review`` in this repository,
git-ignored); ``off`` turns it off, which is what ``python -m review --no-cache`` does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import sysconfig
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from review.source_identity import directory_identity, file_digest

CACHE_VARIABLE = "MCP_FLEET_REVIEW_CACHE"
CACHE_OFF = "off"
REVIEW_CODE = Path(__file__).resolve().parent
DEFAULT_CACHE = REVIEW_CODE.parent / ".cache" / "review"
FORMAT = "mcp-fleet-review-cache/1"
ENVIRONMENT_PREFIXES = ("MCP_FLEET_", "PULUMI_")
"""Variables the program, the pack or the review read (``MCP_FLEET_REVIEW_AS_OF``,
``MCP_FLEET_STACK_FILE``, ``PULUMI_*``): all of them count, the cache's own location aside."""
ENVIRONMENT_EXTRA = ("PYTHONPATH",)
AS_OF_VARIABLE = "MCP_FLEET_REVIEW_AS_OF"


def cache_dir() -> Path | None:
    """Where entries live; None when the cache is off."""
    value = os.environ.get(CACHE_VARIABLE, "")
    if value == CACHE_OFF:
        return None
    return Path(value).resolve() if value else DEFAULT_CACHE


@contextmanager
def bypassed(active: bool = True) -> Iterator[None]:
    """Neither read nor write entries while the block runs (``--no-cache``)."""
    if not active:
        yield
        return
    previous = os.environ.get(CACHE_VARIABLE)
    os.environ[CACHE_VARIABLE] = CACHE_OFF
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(CACHE_VARIABLE, None)
        else:
            os.environ[CACHE_VARIABLE] = previous


def _installed_packages() -> list[str]:
    """The distributions of this interpreter (``name-version.dist-info``): the SDK versions."""
    found: set[str] = set()
    for key in ("purelib", "platlib"):
        directory = Path(sysconfig.get_paths()[key])
        if directory.is_dir():
            found.update(p for p in os.listdir(directory) if p.endswith(".dist-info"))
    return sorted(found)


def _environment() -> dict[str, Any]:
    variables = {
        name: value
        for name, value in os.environ.items()
        if (name.startswith(ENVIRONMENT_PREFIXES) or name in ENVIRONMENT_EXTRA)
        and name != CACHE_VARIABLE
    }
    return {
        "variables": dict(sorted(variables.items())),
        "python": sys.version,
        "packages": _installed_packages(),
        "review": {p.name: file_digest(p) for p in sorted(REVIEW_CODE.glob("*.py"))},
    }


def digest(document: Mapping[str, Any]) -> str:
    """The key of ``document``: SHA-256 of its canonical JSON."""
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def _file_identity(path: Path | None) -> str | None:
    """A file by its content only: the same stack or config file anywhere is the same input."""
    return None if path is None else file_digest(path)


def render_key(stack: str, project_dir: Path, config_file: Path | None) -> str:
    """Everything a render depends on: the project's files (program, settings code, stack
    files, catalog, ``uv.lock``), a stack file given instead, the review's own code, the
    interpreter and its packages, and the environment the program reads."""
    return digest(
        {
            "format": FORMAT,
            "kind": "render",
            "stack": stack,
            "project": directory_identity(project_dir, exclude=cache_dir()),
            "config_file": _file_identity(config_file),
            "environment": _environment(),
        }
    )


def judged_on() -> str | None:
    """The day the pack judges time-bound policies by when no as-of date pins it: today in
    UTC, as ``policy/rule_config.py`` reads it. A scan 30 days old passes today and fails
    tomorrow, so yesterday's analysis is not today's."""
    if os.environ.get(AS_OF_VARIABLE):
        return None  # the variable itself is in the environment part of the key
    return dt.datetime.now(dt.UTC).date().isoformat()


def policy_key(render: str, project_dir: Path, pack_dir: Path, config_file: Path) -> str:
    """A policy analysis: the render's key (the stack's config and resources), the project's
    ``Pulumi.yaml`` (the stack tags), the pack's files, its config file and the day it judges
    by."""
    return digest(
        {
            "format": FORMAT,
            "kind": "policy",
            "render": render,
            "project_file": file_digest(project_dir / "Pulumi.yaml"),
            "pack": directory_identity(pack_dir, exclude=cache_dir()),
            "config_file": _file_identity(config_file),
            "judged_on": judged_on(),
            "environment": _environment(),
        }
    )


def entry_path(kind: str, key: str, directory: Path) -> Path:
    return directory / kind / key[:2] / f"{key}.json"


def has(kind: str, key: str) -> bool:
    """An entry exists under ``key`` (whole or not: ``load`` checks that)."""
    directory = cache_dir()
    return directory is not None and entry_path(kind, key, directory).is_file()


def load(kind: str, key: str) -> bytes | None:
    """The payload stored under ``key``, or None when missing, unreadable or corrupt."""
    directory = cache_dir()
    if directory is None:
        return None
    try:
        data = entry_path(kind, key, directory).read_bytes()
    except OSError:
        return None
    header, _, payload = data.partition(b"\n")
    try:
        meta = json.loads(header)
    except ValueError:
        return None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("key") != key:
        return None
    if meta.get("sha256") != hashlib.sha256(payload).hexdigest():
        return None
    return payload


def store(kind: str, key: str, payload: bytes) -> None:
    """Write the entry atomically; a cache that cannot be written only costs the next run."""
    directory = cache_dir()
    if directory is None:
        return
    path = entry_path(kind, key, directory)
    header = {"format": FORMAT, "key": key, "sha256": hashlib.sha256(payload).hexdigest()}
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(json.dumps(header).encode() + b"\n" + payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        temporary = None
    except OSError:
        pass
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
