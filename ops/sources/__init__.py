"""What can be backed up: PostgreSQL, Redis, a configuration directory.

Each source checks it can be read (``preflight``) before anything is uploaded, then
writes its backup stream into a write-only file object (``write_to``) and can restore
from a verified file.
"""

from __future__ import annotations

from typing import Protocol

from ops.manifest import Compression, SourceName


class Sink(Protocol):
    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


class Source(Protocol):
    name: SourceName
    filename: str
    content_type: str
    format: str
    compression: Compression  # "zstd": ops compresses the stream before it is uploaded

    def preflight(self) -> dict[str, str]:
        """Prove the source is readable; return tool and server versions for the manifest."""
        ...

    def write_to(self, sink: Sink) -> dict[str, str]:
        """Stream the backup into ``sink``; return details recorded in the manifest."""
        ...
