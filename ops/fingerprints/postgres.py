"""PostgreSQL fingerprints: per-table row count and content digest, sequence positions.

The digest of a table is a multiset hash of its rows: each row's text form is hashed
with md5 and the two 64-bit halves are summed (as exact numerics) over all rows. Unlike
"md5 of the ordered rows" this needs no sort and no giant string (string_agg fails past
1 GB), runs in constant memory, yet still changes if any row is added, lost or altered.
Row text depends on session settings, so they are pinned (UTC, ISO dates, exact floats).

A live source keeps changing while a drill runs. ``SnapshotSession`` therefore opens a
REPEATABLE READ transaction, exports its snapshot for ``pg_dump --snapshot`` and
fingerprints the source inside that same snapshot: the drill compares the restored copy
with exactly the data that was dumped.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from dataclasses import dataclass
from types import TracebackType

from ops.errors import SourceError
from ops.sources.postgres import CONNECT_TIMEOUT, psql_argv, run_psql
from ops.sources.process_stream import last_lines
from ops.urls import PostgresUrl

SETTINGS = (
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
    "SET extra_float_digits = 3; SET bytea_output = 'hex';"
)

# One statement; dynamic SQL per table through query_to_xml, so it also runs inside the
# snapshot transaction of a psql session without round trips.
FINGERPRINT_SQL = r"""
SELECT 'table', format('%I.%I', n.nspname, c.relname),
       (xpath('/row/n/text()', x.doc))[1]::text,
       (xpath('/row/h/text()', x.doc))[1]::text
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (SELECT query_to_xml(format(
    'SELECT count(*) AS n, '
    'coalesce(sum((''x'' || substr(m, 1, 16))::bit(64)::bigint::numeric), 0)::text || ''-'' || '
    'coalesce(sum((''x'' || substr(m, 17, 16))::bit(64)::bigint::numeric), 0)::text AS h '
    'FROM (SELECT md5(t::text) AS m FROM %I.%I AS t) AS r',
    n.nspname, c.relname), false, true, '') AS doc) AS x
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp)'
UNION ALL
SELECT 'sequence', format('%I.%I', schemaname, sequencename),
       coalesce(last_value::text, 'unused'), ''
FROM pg_sequences
ORDER BY 1, 2;
"""


@dataclass(frozen=True)
class RelationFingerprint:
    kind: str  # "table" or "sequence"
    name: str
    rows: str  # row count, or a sequence's last value
    digest: str

    def describe(self) -> str:
        if self.kind == "sequence":
            return f"last value {self.rows}"
        short = hashlib.sha256(self.digest.encode()).hexdigest()[:12]
        return f"{self.rows} rows, digest {short}"


Fingerprint = dict[str, RelationFingerprint]


def parse(output: str) -> Fingerprint:
    result: Fingerprint = {}
    for line in output.splitlines():
        if not line.strip():
            continue
        fields = line.split("\x1f")
        if len(fields) != 4:
            raise SourceError(f"unexpected fingerprint output: {line[:80]!r}")
        kind, name, rows, digest = fields
        result[f"{kind} {name}"] = RelationFingerprint(kind, name, rows, digest)
    return result


def fingerprint_database(url: PostgresUrl) -> Fingerprint:
    return parse(run_psql(url, SETTINGS + FINGERPRINT_SQL, what="PostgreSQL"))


class SnapshotSession:
    """A psql session holding an exported snapshot open until ``fingerprint()``."""

    def __init__(self, url: PostgresUrl) -> None:
        self.url = url
        self.snapshot_id = ""
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the session)
        self._process = subprocess.Popen(
            psql_argv(url),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
            env={**os.environ, "PGCONNECT_TIMEOUT": CONNECT_TIMEOUT, **url.env()},
        )

    def __enter__(self) -> SnapshotSession:
        assert self._process.stdin is not None and self._process.stdout is not None
        try:
            self._process.stdin.write(
                "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;\nSELECT pg_export_snapshot();\n"
            )
            self._process.stdin.flush()
        except BrokenPipeError:
            pass
        self.snapshot_id = self._process.stdout.readline().strip()
        if not self.snapshot_id:
            self.close()
            raise SourceError(
                f"cannot connect: PostgreSQL at {self.url.display}: "
                f"{self._stderr() or 'no snapshot exported'}"
            )
        return self

    def fingerprint(self) -> Fingerprint:
        """Fingerprint inside the snapshot, then end the transaction and the session."""
        try:
            output, _ = self._process.communicate(
                SETTINGS + FINGERPRINT_SQL + "\nCOMMIT;\n", timeout=3600
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.close()
            raise SourceError(f"fingerprinting {self.url.display} failed: {exc}") from exc
        if self._process.returncode != 0:
            raise SourceError(f"fingerprinting {self.url.display} failed: {self._stderr()}")
        return parse(output)

    def _stderr(self) -> str:
        self._errors.seek(0)
        return last_lines(self._errors.read().decode(errors="replace"))

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()
        self._errors.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
