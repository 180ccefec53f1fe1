"""Redis fingerprints: every key's type, a digest of its logical value, TTL presence.

Values are read by type (GET, LRANGE, sorted SMEMBERS, ZRANGE WITHSCORES, sorted
HGETALL, XRANGE) rather than compared as DUMP payloads, whose internal encoding may
legitimately differ between a source and its restored copy. Keys are read in pipelined
batches.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from typing import Any

import redis

from ops.errors import SourceError
from ops.urls import RedisUrl

BATCH = 500


@dataclass(frozen=True)
class KeyFingerprint:
    type: str
    digest: str
    has_ttl: bool


Fingerprint = dict[bytes, KeyFingerprint]


def _read(pipe: Any, key: bytes, kind: str) -> None:
    if kind == "string":
        pipe.get(key)
    elif kind == "list":
        pipe.lrange(key, 0, -1)
    elif kind == "set":
        pipe.smembers(key)
    elif kind == "zset":
        pipe.zrange(key, 0, -1, withscores=True)
    elif kind == "hash":
        pipe.hgetall(key)
    elif kind == "stream":
        pipe.xrange(key)
    else:  # module types: their serialized form is all there is
        pipe.dump(key)


def _canonical(kind: str, value: Any) -> bytes:
    if kind == "set":
        value = sorted(value)
    elif kind == "hash":
        value = sorted(value.items())
    return repr((kind, value)).encode()


def fingerprint_redis(url: RedisUrl) -> Fingerprint:
    result: Fingerprint = {}
    try:
        with contextlib.closing(url.client(timeout=60)) as client:
            keys = list(client.scan_iter(count=1000))
            for start in range(0, len(keys), BATCH):
                batch = keys[start : start + BATCH]
                meta = client.pipeline(transaction=False)
                for key in batch:
                    meta.type(key)
                    meta.pttl(key)
                replies = meta.execute()
                kinds = [_text(replies[2 * i]) for i in range(len(batch))]
                ttls = [int(replies[2 * i + 1]) for i in range(len(batch))]
                values = client.pipeline(transaction=False)
                for key, kind in zip(batch, kinds, strict=True):
                    _read(values, key, kind)
                contents = values.execute()
                for key, kind, ttl, value in zip(batch, kinds, ttls, contents, strict=True):
                    if kind == "none" or ttl == -2:  # expired while we looked
                        continue
                    digest = hashlib.sha256(_canonical(kind, value)).hexdigest()
                    result[key] = KeyFingerprint(kind, digest, ttl >= 0)
    except redis.RedisError as exc:
        raise SourceError(f"reading keys of {url.display} failed: {exc}") from exc
    return result


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
