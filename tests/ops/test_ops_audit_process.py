"""``python -m ops audit`` as the operator runs it: real processes against moto_server.

The sub-app's behaviour is covered in-process in tests/audit; here the point is that the
mounted command starts, finds its archive over HTTP and keeps the documented exit codes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from audit import catalog_events
from audit.archive import AuditArchive
from ops.audit_cli import EXIT_CHAIN_BROKEN
from tests.ops.conftest import REPO, OpsResult

RunOps = Callable[..., OpsResult]


@pytest.fixture
def audit_bucket(s3: Any) -> str:
    """A bucket created with Object Lock, as the program declares the audit archive."""
    name = f"audit-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


def _seed(s3: Any, bucket: str) -> None:
    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    events = [
        catalog_events.registration("jira", "1.0.0", "atlassian", "ana@ops", "new server", at),
        catalog_events.approval("jira", "1.0.0", "880b7f8fe7d4ad53", "bo@sec", "reviewed", at),
        catalog_events.promotion("jira", "1.0.0", "dev", "staging", "cy@ops", "soak ok", at),
    ]
    AuditArchive(s3, bucket).write(events, retention_years=1)


def test_help_lists_the_audit_commands(run_ops: RunOps) -> None:
    top = run_ops("--help")
    assert top.returncode == 0, top.stderr
    assert "audit" in top.stdout
    group = subprocess.run(
        [sys.executable, "-m", "ops", "audit", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert group.returncode == 0, group.stderr
    for command in ("search", "verify", "append"):
        assert command in group.stdout
    search = run_ops("audit", "search", "--help")
    assert search.returncode == 0 and "--promoted" in search.stdout


def test_search_and_verify_as_processes(run_ops: RunOps, s3: Any, audit_bucket: str) -> None:
    _seed(s3, audit_bucket)
    found = run_ops("audit", "search", "--bucket", audit_bucket, "--promoted", "jira")
    assert found.returncode == 0, found.stderr
    lines = found.stdout.splitlines()
    assert len(lines) == 1 and "catalog.promotion" in lines[0] and "user=cy@ops" in lines[0]
    assert "1 of 3 records matched" in found.stderr
    verified = run_ops("audit", "verify", "--bucket", audit_bucket, "--format", "json")
    assert verified.returncode == 0, verified.stderr
    verdict = json.loads(verified.stdout)
    assert verdict["ok"] is True and verdict["intact"] == 3 and verdict["last_sequence"] == 3


def test_verify_names_a_hidden_record_and_exits_5(
    run_ops: RunOps, s3: Any, audit_bucket: str
) -> None:
    _seed(s3, audit_bucket)
    key = s3.list_objects_v2(Bucket=audit_bucket)["Contents"][0]["Key"]
    s3.delete_object(Bucket=audit_bucket, Key=key)  # a delete marker: Object Lock allows it
    verified = run_ops("audit", "verify", "--bucket", audit_bucket)
    assert verified.returncode == EXIT_CHAIN_BROKEN
    assert verified.stderr.startswith("error: audit chain broken:")
    assert "record 1" in verified.stderr
    assert "Traceback" not in verified.stderr


def test_an_unlocked_bucket_is_refused_in_one_line(
    run_ops: RunOps, bucket: str, tmp_path: Path
) -> None:
    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    event = catalog_events.registration("jira", "1.0.0", "atlassian", "ana@ops", "new", at)
    events = tmp_path / "events.jsonl"
    events.write_text(event.model_dump_json() + "\n")
    done = run_ops(
        "audit", "append", "--bucket", bucket, "--input", str(events), "--source", "events"
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: bucket") and "no Object Lock" in done.stderr
    assert "Traceback" not in done.stderr
