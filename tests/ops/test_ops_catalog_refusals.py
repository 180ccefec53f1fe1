"""``ops catalog`` workflow refusals, in-process: bad input is one line, exit 2, and the
entry file stays byte for byte as it was (no change without its audit event)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from ops.catalog_edit import set_fields
from ops.cli import app
from tests.ops.conftest import REPO

runner = CliRunner()


@pytest.fixture
def servers(tmp_path: Path) -> Path:
    """servers/jira.yaml: the example entry with only the dev stage."""
    directory = tmp_path / "servers"
    directory.mkdir()
    text = (REPO / "catalog" / "servers" / "jira.yaml").read_text()
    text = "".join(
        "stages: [dev]\n" if line.startswith("stages:") else line
        for line in text.splitlines(keepends=True)
    )
    (directory / "jira.yaml").write_text(text)
    return directory


def catalog(servers: Path, *args: str) -> Result:
    return runner.invoke(app, ["catalog", *args, "--catalog-dir", str(servers)])


def refused(result: Result, servers: Path, before: bytes, words: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert (servers / "jira.yaml").read_bytes() == before


def log_option(servers: Path) -> tuple[str, str]:
    return ("--audit-log", str(servers.parent / "audit.jsonl"))


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("promote", "jira", "--to", "staging", "--reason", "soak ok"), "exactly one of"),
        (("promote", "jira", "--to", "prod", "--reason", "soak ok", "AUDIT"), "--to staging"),
        (("promote", "jira", "--to", "dev", "--reason", "soak ok", "AUDIT"), "not the next"),
        (("promote", "jira", "--to", "qa", "--reason", "soak ok", "AUDIT"), "use one of"),
        (("promote", "jira", "--to", "staging", "--reason", "  ", "AUDIT"), "reason is required"),
        (("promote", "nope", "--to", "staging", "--reason", "x", "AUDIT"), "no catalog entry"),
        (
            (
                "transfer-ownership",
                "jira",
                "--team",
                "devtools",
                "--email",
                "a@acme.example",
                "--reason",
                "reorg",
                "AUDIT",
            ),
            "already owns it",
        ),
        (
            (
                "transfer-ownership",
                "jira",
                "--team",
                "Bad Team",
                "--email",
                "a@acme.example",
                "--reason",
                "reorg",
                "AUDIT",
            ),
            "owner",
        ),
        (
            (
                "slo-exception",
                "jira",
                "--approved-by",
                "cto",
                "--expires",
                "2020-01-01",
                "--reason",
                "upstream is slow",
                "AUDIT",
            ),
            "in the future",
        ),
        (
            (
                "slo-exception",
                "jira",
                "--approved-by",
                "cto",
                "--expires",
                "2099-01-01",
                "--reason",
                "slow",
                "AUDIT",
            ),
            "at least 10 characters",
        ),
    ],
)
def test_bad_input_changes_nothing(servers: Path, args: tuple[str, ...], words: str) -> None:
    before = (servers / "jira.yaml").read_bytes()
    argv = [part for arg in args for part in (log_option(servers) if arg == "AUDIT" else (arg,))]
    refused(catalog(servers, *argv), servers, before, words)
    assert not (servers.parent / "audit.jsonl").exists()


def test_two_destinations_are_refused(servers: Path) -> None:
    before = (servers / "jira.yaml").read_bytes()
    result = catalog(
        servers,
        "promote",
        "jira",
        "--to",
        "staging",
        "--reason",
        "soak ok",
        *log_option(servers),
        "--audit-bucket",
        "audit",
    )
    refused(result, servers, before, "exactly one of")


def test_an_event_that_cannot_be_written_puts_the_entry_back(servers: Path) -> None:
    before = (servers / "jira.yaml").read_bytes()
    unwritable = servers.parent / "a-directory"
    unwritable.mkdir()
    result = catalog(
        servers,
        "promote",
        "jira",
        "--to",
        "staging",
        "--reason",
        "soak ok",
        "--audit-log",
        str(unwritable),
    )
    refused(result, servers, before, "cannot append")


def test_register_refuses_a_second_entry_of_the_same_name(servers: Path, tmp_path: Path) -> None:
    before = (servers / "jira.yaml").read_bytes()
    other = tmp_path / "jira.yaml"
    other.write_bytes(before)
    result = catalog(servers, "register", str(other), "--reason", "again", *log_option(servers))
    refused(result, servers, before, "already registered")


def test_a_logged_event_is_one_json_line_with_who_and_why(servers: Path) -> None:
    result = catalog(
        servers,
        "promote",
        "jira",
        "--to",
        "staging",
        "--reason",
        "soak ok",
        "--user",
        "ann@ops",
        *log_option(servers),
    )
    assert result.exit_code == 0, result.output
    event = json.loads((servers.parent / "audit.jsonl").read_text())
    assert (event["event_type"], event["user"], event["reason"]) == (
        "catalog.promotion",
        "ann@ops",
        "soak ok",
    )
    assert event["resource"] == "servers/jira" and event["user_agent"].startswith("mcp-fleet-ops/")


def test_set_fields_keeps_every_other_line(tmp_path: Path) -> None:
    entry = tmp_path / "entry.yaml"
    entry.write_text(
        "# owned by the platform team\nname: x\nstages: [dev]\nowner:\n  team: a\n"
        "  email: a@acme.example\nsignature:\n  keyId: k\n  value: v\n"
    )
    set_fields(
        entry,
        {
            "stages": ["dev", "staging"],
            "owner": {"team": "b", "email": "b@x.io"},
            "signature": None,
        },
    )
    assert entry.read_text() == (
        "# owned by the platform team\nname: x\nstages: [dev, staging]\nowner:\n  team: b\n"
        "  email: b@x.io\n"
    )
    assert yaml.safe_load(entry.read_text())["owner"]["team"] == "b"
