"""``ops catalog`` workflow commands write their audit events: one approval workflow run as
real processes against moto_server, then ``ops audit search``/``verify`` over the archive.

The entries live in a temporary catalog directory (``--catalog-dir``); the approver key is
made there too, so nothing in the repository changes.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from ops.cli import app
from tests.audit.lab_day import GATEWAY_LINES, NOT_AUDIT_EVENTS
from tests.ops.conftest import REPO, OpsResult

RunOps = Callable[..., OpsResult]
runner = CliRunner()


@pytest.fixture
def audit_bucket(s3: Any) -> str:
    name = f"audit-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    return name


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """servers/ (empty), incoming/jira.yaml (a new version, only in dev, unsigned), keys/."""
    (tmp_path / "servers").mkdir()
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    text = (REPO / "catalog" / "servers" / "jira.yaml").read_text()
    document = yaml.safe_load(text)
    assert document["stages"], "the example entry has stages"
    lines = [
        "stages: [dev]\n" if line.startswith("stages:") else line
        for line in text.splitlines(keepends=True)
    ]
    (incoming / "jira.yaml").write_text("".join(lines))
    made = runner.invoke(
        app, ["catalog", "keygen", "--out", str(tmp_path / "keys"), "--signer", "Ann"]
    )
    assert made.exit_code == 0, made.output
    return tmp_path


def _key(workspace: Path) -> str:
    return str(next((workspace / "keys").glob("*.private.pem")))


def _ok(done: OpsResult) -> OpsResult:
    assert done.returncode == 0, done.stderr
    return done


def _catalog(run_ops: RunOps, bucket: str, *args: str) -> OpsResult:
    return _ok(run_ops("catalog", *args, "--user", "ann@ops", "--audit-bucket", bucket))


def test_every_workflow_command_lands_in_the_archive(
    run_ops: RunOps, audit_bucket: str, workspace: Path
) -> None:
    servers = workspace / "servers"
    entry = servers / "jira.yaml"
    where = ("--catalog-dir", str(servers))
    register = _catalog(
        run_ops,
        audit_bucket,
        "register",
        str(workspace / "incoming" / "jira.yaml"),
        *where,
        "--reason",
        "new issue tracker server",
    )
    assert "registered (unapproved)" in register.stdout and entry.is_file()
    _catalog(
        run_ops, audit_bucket, "sign", "--key", _key(workspace), "--reason", "reviewed", str(entry)
    )
    assert "signature:" in entry.read_text()
    promoted = _catalog(
        run_ops,
        audit_bucket,
        "promote",
        "jira",
        "--to",
        "staging",
        *where,
        "--reason",
        "a week in dev without incidents",
    )
    assert "promoted dev → staging" in promoted.stdout
    assert "approval was removed" in promoted.stderr
    document = yaml.safe_load(entry.read_text())
    assert document["stages"] == ["dev", "staging"] and "signature" not in document
    assert "stages: [dev, staging]\n" in entry.read_text()  # the list keeps its style
    _catalog(
        run_ops,
        audit_bucket,
        "sign",
        "--key",
        _key(workspace),
        "--reason",
        "re-approved for staging",
        str(entry),
    )
    _catalog(
        run_ops,
        audit_bucket,
        "transfer-ownership",
        "jira",
        *where,
        "--team",
        "tooling",
        "--email",
        "tooling@acme.example",
        "--reason",
        "team reorganisation",
    )
    _catalog(
        run_ops,
        audit_bucket,
        "slo-exception",
        "jira",
        *where,
        "--approved-by",
        "cto",
        "--expires",
        "2099-01-31",
        "--reason",
        "upstream API is slow until migration",
    )
    document = yaml.safe_load(entry.read_text())
    assert document["owner"] == {"team": "tooling", "email": "tooling@acme.example"}
    assert document["slo"]["exception"]["approvedBy"] == "cto"
    assert str(document["slo"]["exception"]["expires"]) == "2099-01-31"

    searched = _ok(run_ops("audit", "search", "--bucket", audit_bucket, "--format", "json"))
    records = [json.loads(line) for line in searched.stdout.splitlines()]
    assert [(r["sequence"], r["event_type"], r["action"]) for r in records] == [
        (1, "catalog.registration", "register"),
        (2, "catalog.approval", "approve"),
        (3, "catalog.promotion", "promote"),
        (4, "catalog.approval", "approve"),
        (5, "catalog.ownership_change", "change-owner"),
        (6, "catalog.slo_exception", "grant-slo-exception"),
    ]
    assert {r["resource"] for r in records} == {"servers/jira"}
    assert all(r["user"] == "ann@ops" and r["reason"] for r in records)
    assert records[2]["details"] == {
        "version": document["version"],
        "from_stage": "dev",
        "to_stage": "staging",
    }
    assert records[4]["details"] == {"from_owner": document_owner_before(), "to_owner": "tooling"}


def document_owner_before() -> str:
    return str(
        yaml.safe_load((REPO / "catalog" / "servers" / "jira.yaml").read_text())["owner"]["team"]
    )


def test_a_logged_promotion_appended_later_is_found_and_verified(
    run_ops: RunOps, audit_bucket: str, workspace: Path
) -> None:
    """Gateway records of a lab day, a catalog event archived at once and one logged and
    appended later: one chain that search answers and verify passes."""
    servers = workspace / "servers"
    log = workspace / "catalog-events.jsonl"
    gateway_log = workspace / "gateway.log"
    gateway_log.write_text("\n".join(GATEWAY_LINES) + "\n")
    _ok(run_ops("audit", "append", "--bucket", audit_bucket, "--input", str(gateway_log)))
    gateway_records = len(GATEWAY_LINES) - NOT_AUDIT_EVENTS
    _catalog(
        run_ops,
        audit_bucket,
        "register",
        str(workspace / "incoming" / "jira.yaml"),
        "--catalog-dir",
        str(servers),
        "--reason",
        "new issue tracker server",
    )
    offline = _ok(
        run_ops(
            "catalog",
            "promote",
            "jira",
            "--to",
            "staging",
            "--catalog-dir",
            str(servers),
            "--user",
            "bo@ops",
            "--reason",
            "soak passed",
            "--audit-log",
            str(log),
        )
    )
    assert f"appended to {log}" in offline.stdout
    assert json.loads(log.read_text())["event_type"] == "catalog.promotion"
    appended = _ok(
        run_ops(
            "audit", "append", "--bucket", audit_bucket, "--input", str(log), "--source", "events"
        )
    )
    promoted_at = gateway_records + 2
    assert f"appended records {promoted_at}..{promoted_at}" in appended.stdout
    found = _ok(run_ops("audit", "search", "--bucket", audit_bucket, "--promoted", "jira"))
    assert len(found.stdout.splitlines()) == 1 and "user=bo@ops" in found.stdout
    assert "reason='soak passed'" in found.stdout and "to_stage=staging" in found.stdout
    verified = _ok(run_ops("audit", "verify", "--bucket", audit_bucket))
    assert f"chain intact, {promoted_at} records" in verified.stdout


def test_an_unlocked_bucket_changes_nothing(run_ops: RunOps, bucket: str, workspace: Path) -> None:
    incoming = workspace / "incoming" / "jira.yaml"
    shutil.copy(incoming, workspace / "servers" / "jira.yaml")
    before = (workspace / "servers" / "jira.yaml").read_bytes()
    done = run_ops(
        "catalog",
        "promote",
        "jira",
        "--to",
        "staging",
        "--catalog-dir",
        str(workspace / "servers"),
        "--reason",
        "soak passed",
        "--audit-bucket",
        bucket,
    )
    assert done.returncode == 1
    assert "no Object Lock" in done.stderr and "Traceback" not in done.stderr
    assert (workspace / "servers" / "jira.yaml").read_bytes() == before
