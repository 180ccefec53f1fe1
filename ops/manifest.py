"""The backup manifest: the last object a backup writes, and the proof that it is complete.

Layout in the bucket (``P`` is ``--prefix``, the id is the UTC start time)::

    s3://BUCKET/P/20250101T120000.123456Z/postgres.dump
    s3://BUCKET/P/20250101T120000.123456Z/redis.rdb
    s3://BUCKET/P/20250101T120000.123456Z/config.tar.gz
    s3://BUCKET/P/20250101T120000.123456Z/manifest.json      <- written last

A backup without a valid ``manifest.json`` is incomplete (interrupted, or still running)
and restore never picks it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ops.errors import UsageError

FORMAT_VERSION = 2  # 2: SourceEntry.compression and .source_bytes (zstd objects)
READABLE_VERSIONS = (1, 2)
MANIFEST_NAME = "manifest.json"
BACKUP_ID_FORMAT = "%Y%m%dT%H%M%S.%fZ"
_BACKUP_ID = re.compile(r"^\d{8}T\d{6}\.\d{6}Z$")

SourceName = Literal["postgres", "redis", "config"]
Compression = Literal["none", "zstd"]
# An object's name inside its backup: one plain segment, never ".", ".." or hidden.
_OBJECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SOURCE_ORDER: tuple[SourceName, ...] = ("postgres", "redis", "config")


def backup_id_for(moment: datetime) -> str:
    """Backup id for a start time: sortable as text, so the newest id is the largest."""
    return moment.astimezone(UTC).strftime(BACKUP_ID_FORMAT)


def is_backup_id(text: str) -> bool:
    return bool(_BACKUP_ID.match(text))


def backup_id_time(backup_id: str) -> datetime:
    return datetime.strptime(backup_id, BACKUP_ID_FORMAT).replace(tzinfo=UTC)


def normalize_prefix(prefix: str) -> str:
    return prefix.strip().strip("/")


def prefix_problem(prefix: str) -> str | None:
    """Why ``prefix`` could reach outside its own key space, or None when it is sound.

    Keys are built by joining the prefix, the backup id and a file name with ``/``; a
    ``.``/``..`` or empty segment, a backslash or a control character would let two
    different prefixes (or a path-like reading of the key) land on someone else's keys.
    """
    normalized = normalize_prefix(prefix)
    if not normalized:
        return None
    for segment in normalized.split("/"):
        if segment in {"", ".", ".."}:
            return f"{prefix!r} has an empty, '.' or '..' segment"
        if any(ord(char) < 0x20 or char in "\x7f\\" for char in segment):
            return f"{prefix!r} contains a backslash or a control character"
    return None


def check_prefix(prefix: str, option: str = "--prefix") -> str:
    """The normalized prefix; ``UsageError`` when it could escape its key space."""
    problem = prefix_problem(prefix)
    if problem:
        raise UsageError(f"{option}: {problem} (e.g. prod/mcp-github)")
    return normalize_prefix(prefix)


def object_key(prefix: str, backup_id: str, name: str) -> str:
    prefix = normalize_prefix(prefix)
    return f"{prefix}/{backup_id}/{name}" if prefix else f"{backup_id}/{name}"


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a time zone")
    return value.astimezone(UTC)


class SourceEntry(BaseModel):
    """One backed-up source: where its object is and what it must hash to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    started_at: datetime
    finished_at: datetime
    content_type: str
    format: str
    details: dict[str, str] = Field(default_factory=dict)
    compression: Compression = "none"  # "zstd": the object is one zstd frame of the stream
    source_bytes: int | None = Field(default=None, ge=0)  # read from the source (v2+)

    @property
    def read_bytes(self) -> int:
        return self.size if self.source_bytes is None else self.source_bytes

    _utc = field_validator("started_at", "finished_at")(_aware)


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int
    backup_id: str
    prefix: str
    started_at: datetime
    finished_at: datetime
    sources: dict[SourceName, SourceEntry]
    tools: dict[str, str] = Field(default_factory=dict)
    ops_version: str
    host: str = ""

    _utc = field_validator("started_at", "finished_at")(_aware)

    @field_validator("format_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value not in READABLE_VERSIONS:
            readable = ", ".join(str(v) for v in READABLE_VERSIONS)
            raise ValueError(f"unsupported manifest format {value} (this ops reads {readable})")
        return value

    @field_validator("backup_id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not is_backup_id(value):
            raise ValueError(f"malformed backup id {value!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        if not self.sources:
            raise ValueError("a manifest lists at least one source")
        if self.finished_at < self.started_at:
            raise ValueError("finished_at is before started_at")
        problem = prefix_problem(self.prefix)
        if problem:
            raise ValueError(f"prefix {problem}")
        expected = object_key(self.prefix, self.backup_id, "")
        for name, entry in self.sources.items():
            object_name = entry.key[len(expected) :] if entry.key.startswith(expected) else ""
            if not _OBJECT_NAME.match(object_name) or ".." in object_name:
                raise ValueError(
                    f"{name}: object {entry.key!r} is outside backup {expected!r} "
                    "(expected one plain file name after it)"
                )
        keys = [entry.key for entry in self.sources.values()]
        if len(set(keys)) != len(keys):
            raise ValueError("two sources share one object key")
        return self

    @property
    def key(self) -> str:
        return object_key(self.prefix, self.backup_id, MANIFEST_NAME)

    def to_json(self) -> bytes:
        return self.model_dump_json(indent=2).encode() + b"\n"


class ManifestInvalid(ValueError):
    pass


def parse_manifest(data: bytes) -> Manifest:
    try:
        return Manifest.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "manifest"
        raise ManifestInvalid(f"{where}: {first['msg']}") from None
