"""approvedTools and the remote block: what the gateway reads from a catalog entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog import CATALOG_DIR, load_catalog, load_entry
from stacks import SettingsError

REMOTE: dict[str, Any] = {
    "url": "https://mcp.crm.partner.example/mcp",
    "sla": {"availability": 99.9, "p95LatencyMs": 800},
    "credentialSecret": {"name": "crm-token", "key": "token"},
}


def _written(tmp_path: Path, **changes: Any) -> Path:
    document = yaml.safe_load((CATALOG_DIR / "github.yaml").read_text())
    document.update(changes)
    path = tmp_path / "github.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _error(tmp_path: Path, **changes: Any) -> str:
    path = _written(tmp_path, **changes)
    with pytest.raises(SettingsError) as raised:
        load_entry(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    return message


def test_every_example_entry_lists_its_approved_tools() -> None:
    catalog = load_catalog()
    assert catalog["github"].approved_tools[0] == "search_repositories"
    assert all(entry.approved_tools for entry in catalog.values())


def test_an_entry_without_approved_tools_loads_and_allows_no_tool(tmp_path: Path) -> None:
    document = yaml.safe_load((CATALOG_DIR / "github.yaml").read_text())
    del document["approvedTools"]
    path = tmp_path / "github.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    assert load_entry(path).approved_tools == ()


@pytest.mark.parametrize("tool", ["has space", "", "x" * 129, 'quote"d'])
def test_a_tool_name_mcp_would_refuse_is_named(tmp_path: Path, tool: str) -> None:
    message = _error(tmp_path, approvedTools=["search", tool])
    assert "approvedTools[1]: String should match pattern" in message


def test_a_remote_block_is_read(tmp_path: Path) -> None:
    entry = load_entry(_written(tmp_path, remote=REMOTE))
    assert entry.remote is not None
    assert (entry.remote.host, entry.remote.port) == ("mcp.crm.partner.example", 443)
    assert entry.remote.sla.p95_latency_ms == 800
    assert entry.remote.credential_secret.name == "crm-token"


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"url": "http://mcp.crm.partner.example/mcp"}, "remote.url", "not an https:// URL"),
        ({"url": "https://h.example/mcp?x=1"}, "remote.url", "without query"),
        ({"sla": {"availability": 100, "p95LatencyMs": 5}}, "remote.sla.availability", "less"),
        ({"sla": {"availability": 99.9}}, "remote.sla.p95LatencyMs", "field required"),
        (
            {"credentialSecret": {"name": "Bad_Name", "key": "t"}},
            "remote.credentialSecret.name",
            "pattern",
        ),
    ],
)
def test_a_bad_remote_block_names_the_key(
    tmp_path: Path, change: dict[str, Any], key: str, words: str
) -> None:
    message = _error(tmp_path, remote={**REMOTE, **change})
    assert f"{key}:" in message, message
    assert words.lower() in message.lower(), message
