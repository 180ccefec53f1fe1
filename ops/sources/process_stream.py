"""Read a child process's stdout in chunks, without deadlocks and without leaking it.

stderr goes to an anonymous temporary file so a chatty child can never block on a full
pipe; on any failure (including the consumer raising) the child is killed and reaped.
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
from collections.abc import Iterator
from typing import cast

CHUNK_SIZE = 1024 * 1024


class ProcessFailed(Exception):
    def __init__(self, returncode: int, stderr: str) -> None:
        super().__init__(stderr or f"exit status {returncode}")
        self.returncode = returncode
        self.stderr = stderr


def stream_stdout(
    argv: list[str], env: dict[str, str] | None = None, chunk_size: int = CHUNK_SIZE
) -> Iterator[bytes]:
    """Yield stdout chunks; raise ``ProcessFailed`` if the process exits non-zero."""
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            env={**os.environ, **(env or {})},
        )
        stdout = cast(io.BufferedReader, process.stdout)
        finished = False
        try:
            while chunk := stdout.read1(chunk_size):
                yield chunk
            returncode = process.wait()
            finished = True
        finally:
            if not finished:
                process.kill()
                process.wait()
            stdout.close()
        if returncode != 0:
            errors.seek(0)
            text = errors.read().decode(errors="replace").strip()
            raise ProcessFailed(returncode, last_lines(text))


def last_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-count:])
