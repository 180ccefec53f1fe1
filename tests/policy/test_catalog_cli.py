"""``python -m ops catalog``: keygen, sign, sign-image and verify through typer's CliRunner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog.load import CATALOG_DIR
from ops.catalog_signing import catalog_app
from ops.cli import app as ops_app

runner = CliRunner()


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """keys/ (an approver and a publisher pair) and servers/ (copies of two entries); the
    approvals' audit events go to audit.jsonl (tests/ops/test_ops_catalog_audit.py)."""
    monkeypatch.setenv("OPS_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    (tmp_path / "servers").mkdir()
    for name in ("jira", "slack"):
        shutil.copy(CATALOG_DIR / f"{name}.yaml", tmp_path / "servers" / f"{name}.yaml")
    return tmp_path


def keygen(directory: Path, *extra: str) -> str:
    result = runner.invoke(
        catalog_app, ["keygen", "--out", str(directory), "--signer", "Jane Doe", *extra]
    )
    assert result.exit_code == 0, result.output
    key_id = result.stdout.strip().splitlines()[0]
    assert (directory / f"{key_id}.pem").is_file()
    assert (directory / f"{key_id}.private.pem").stat().st_mode & 0o077 == 0
    return key_id


def test_keygen_sign_and_verify(workspace: Path) -> None:
    keys = workspace / "keys"
    approver = keygen(keys)
    assert "Approver: Jane Doe" in (keys / f"{approver}.pem").read_text()
    files = [str(workspace / "servers" / name) for name in ("jira.yaml", "slack.yaml")]
    signed = runner.invoke(
        catalog_app,
        ["sign", "--reason", "reviewed", "--key", str(keys / f"{approver}.private.pem"), *files],
    )
    assert signed.exit_code == 0, signed.output
    assert f"with key {approver} (ed25519)" in signed.stdout
    verified = runner.invoke(catalog_app, ["verify", "--keys", str(keys), *files])
    assert verified.exit_code == 0, verified.output
    assert verified.stdout.count("ok ") == 2 and "approved by Jane Doe" in verified.stdout


def test_verify_fails_on_a_tampered_entry_with_one_error_line(workspace: Path) -> None:
    keys = workspace / "keys"
    approver = keygen(keys, "--algorithm", "ecdsa-p256-sha256")
    jira = workspace / "servers" / "jira.yaml"
    runner.invoke(
        catalog_app,
        ["sign", "--reason", "reviewed", "--key", str(keys / f"{approver}.private.pem"), str(jira)],
    )
    jira.write_text(jira.read_text().replace("tier: tier-2", "tier: tier-1"))
    result = runner.invoke(catalog_app, ["verify", "--keys", str(keys), str(jira)])
    assert result.exit_code == 1
    assert "FAILED" in result.stdout and "changed after it was signed" in result.stdout
    assert result.stderr.strip() == "error: 1 catalog entry failed verification"


def test_verify_trusts_only_the_ids_given(workspace: Path) -> None:
    keys = workspace / "keys"
    approver = keygen(keys)
    jira = str(workspace / "servers" / "jira.yaml")
    runner.invoke(
        catalog_app,
        ["sign", "--reason", "reviewed", "--key", str(keys / f"{approver}.private.pem"), jira],
    )
    result = runner.invoke(
        catalog_app, ["verify", "--keys", str(keys), "--trusted", "0123456789abcdef", jira]
    )
    assert result.exit_code == 1 and "not trusted here" in result.stdout


def test_sign_image_then_approve(workspace: Path) -> None:
    keys = workspace / "keys"
    approver = keygen(keys)
    publisher = keygen(keys / "publishers", "--publisher")
    jira = str(workspace / "servers" / "jira.yaml")
    runner.invoke(
        catalog_app,
        ["sign", "--reason", "reviewed", "--key", str(keys / f"{approver}.private.pem"), jira],
    )
    imaged = runner.invoke(
        catalog_app,
        [
            "sign-image",
            "--key",
            str(keys / "publishers" / f"{publisher}.private.pem"),
            "--publisher-key-id",
            publisher,
            jira,
        ],
    )
    assert imaged.exit_code == 0, imaged.output
    assert "approval signature was removed" in imaged.stderr
    assert runner.invoke(catalog_app, ["verify", "--keys", str(keys), jira]).exit_code == 1
    runner.invoke(
        catalog_app,
        ["sign", "--reason", "reviewed", "--key", str(keys / f"{approver}.private.pem"), jira],
    )
    verified = runner.invoke(catalog_app, ["verify", "--keys", str(keys), jira])
    assert verified.exit_code == 0, verified.output
    assert f"image signed by Jane Doe ({publisher})" in verified.stdout


def test_a_bad_key_file_is_bad_input(workspace: Path) -> None:
    bad = workspace / "not-a-key.pem"
    bad.write_text("hello")
    result = runner.invoke(
        catalog_app,
        [
            "sign",
            "--reason",
            "reviewed",
            "--key",
            str(bad),
            str(workspace / "servers" / "jira.yaml"),
        ],
    )
    assert result.exit_code == 2
    assert (
        result.stderr.startswith("error: ")
        and "not an unencrypted PEM private key" in result.stderr
    )


def test_the_ops_cli_verifies_the_committed_catalog() -> None:
    result = runner.invoke(ops_app, ["catalog", "verify"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("approved by Example Approver") >= 6


def test_keygen_refuses_unknown_algorithms(tmp_path: Path) -> None:
    result = runner.invoke(
        catalog_app, ["keygen", "--out", str(tmp_path), "--signer", "x", "--algorithm", "rsa"]
    )
    assert result.exit_code == 2 and "use one of ed25519, ecdsa-p256-sha256" in result.stderr
    assert list(tmp_path.iterdir()) == []
