"""Render a stack offline: run the program under Pulumi's mock runtime in its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from review import cache

PROJECT_DIR = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().with_name("render_worker.py")


class RenderError(Exception):
    """The stack did not render; ``bad_input`` when the user's settings are at fault."""

    def __init__(self, message: str, *, bad_input: bool) -> None:
        super().__init__(message)
        self.bad_input = bad_input


@dataclass(frozen=True)
class RenderedStack:
    project: str
    stack: str
    resources: list[dict[str, Any]] = field(default_factory=list)
    root: dict[str, Any] = field(default_factory=dict)
    """The root stack resource: ``urn``, ``outputs`` (wire form) and ``exports`` (plain)."""
    config: dict[str, str] = field(default_factory=dict)
    """The config the program ran with, as the engine passes it (``namespace:key`` -> text)."""
    secret_keys: tuple[str, ...] = ()
    """The config keys that were ``secure:`` values (rendered as a placeholder)."""
    cache_key: str = field(default="", compare=False)
    """The review cache's key for this render (empty when uncached): a policy analysis of
    it is cached under a key derived from this one."""

    @property
    def root_urn(self) -> str:
        return self.root.get("urn") or (
            f"urn:pulumi:{self.stack}::{self.project}::pulumi:pulumi:Stack::"
            f"{self.project}-{self.stack}"
        )

    @property
    def exports(self) -> dict[str, Any]:
        return dict(self.root.get("exports") or {})

    def of_type(self, type_token: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["type"] == type_token]

    def named(self, name: str) -> dict[str, Any]:
        matches = [r for r in self.resources if r["name"] == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources are named {name!r}")
        return matches[0]

    def children_of(self, urn: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["parent"] == urn]

    def descendants_of(self, urn: str) -> Iterator[dict[str, Any]]:
        for child in self.children_of(urn):
            yield child
            yield from self.descendants_of(child["urn"])


def report_order(record: dict[str, Any]) -> tuple[bool, str, str]:
    """Resources in a stable order: explicit providers first (a resource names its provider,
    so the engine's view lists them before their users), then by type and URN.

    The SDK registers resources from asyncio tasks, so the order they arrive in can differ
    between two renders of the same program; sorted, two renders of the same inputs give the
    same report, byte for byte, whether rendered or read from the cache.
    """
    return (not record["type"].startswith("pulumi:providers:"), record["type"], record["urn"])


RecordSink = Callable[[dict[str, Any]], None]
_streaming = threading.local()


@contextmanager
def streaming_records(sink: RecordSink) -> Iterator[None]:
    """While the block runs, a render in this thread hands ``sink`` each resource (the
    fields ``render_worker.stream_line`` keeps) as the program registers it, so the policy
    pack can judge it while the program registers the next. A render read from the cache,
    or a stand-in worker in a test, hands it nothing: the caller must not count on it."""
    previous = getattr(_streaming, "sink", None)
    _streaming.sink = sink
    try:
        yield
    finally:
        _streaming.sink = previous


def _read_stream(read_fd: int, sink: RecordSink) -> threading.Thread:
    def read() -> None:
        failed = False
        with os.fdopen(read_fd, "rb") as stream:
            for line in stream:  # read to the end even if the sink fails: the worker writes on
                if failed:
                    continue
                try:
                    sink(json.loads(line))
                except Exception:
                    failed = True  # the caller analyzes what it missed after the render

    reader = threading.Thread(target=read, name="render-stream", daemon=True)
    reader.start()
    return reader


def run_worker(stack: str, project_dir: Path, config_file: Path | None) -> bytes:
    """The render worker's JSON output for ``stack``: one fresh render, in its own process."""
    sink: RecordSink | None = getattr(_streaming, "sink", None)
    with tempfile.TemporaryDirectory(prefix="mcp-fleet-render-") as scratch:
        output = Path(scratch) / "rendered.json"
        command = [
            sys.executable,
            str(WORKER),
            "--project-dir",
            str(project_dir),
            "--stack",
            stack,
            "--output",
            str(output),
        ]
        if config_file is not None:
            command += ["--config-file", str(config_file)]
        read_fd, write_fd = os.pipe() if sink is not None else (-1, -1)
        if sink is not None:
            command += ["--stream-fd", str(write_fd)]
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            pass_fds=(write_fd,) if sink is not None else (),
        )
        reader = None
        if sink is not None:
            os.close(write_fd)  # the worker holds the only writer: its exit ends the stream
            reader = _read_stream(read_fd, sink)
        _, stderr = process.communicate()
        if reader is not None:
            reader.join()
        if process.returncode not in (0, 2) or not output.exists():
            raise RenderError(f"rendering {stack} failed:\n{stderr.strip()}", bad_input=False)
        return output.read_bytes()


def render_stack(
    stack: str, project_dir: Path = PROJECT_DIR, config_file: Path | None = None
) -> RenderedStack:
    """Render ``stack`` of the project in ``project_dir`` with that directory's own code.

    A render of exactly the same inputs is read from the review cache (``review.cache``)
    instead; only successful renders are stored, so a failure is always run again.
    """
    key = cache.render_key(stack, project_dir, config_file) if cache.cache_dir() else ""
    payload = cache.load("render", key) if key else None
    if payload is None:
        payload = run_worker(stack, project_dir, config_file)
        result = json.loads(payload)
        # Stored only if no input changed while the program ran: the entry must be the
        # render of exactly the inputs its key names.
        unchanged = key and key == cache.render_key(stack, project_dir, config_file)
        if unchanged and "error" not in result:
            cache.store("render", key, payload)
    else:
        result = json.loads(payload)
    if "error" in result:
        raise RenderError(result["error"], bad_input=True)
    return RenderedStack(
        result["project"],
        result["stack"],
        sorted(result["resources"], key=report_order),
        result.get("root") or {},
        dict(result.get("config") or {}),
        tuple(result.get("secretKeys") or ()),
        cache_key=key,
    )
