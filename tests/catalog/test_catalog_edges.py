"""Catalog entries follow the stack files' rules: no silent guesses, names AWS and Kubernetes take."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from catalog import CATALOG_DIR, load_entry
from stacks import SettingsError


def entry_error(tmp_path: Path, name: str = "github", **changes: Any) -> str:
    document = yaml.safe_load((CATALOG_DIR / f"{name}.yaml").read_text())
    document.update(changes)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    with pytest.raises(SettingsError) as raised:
        load_entry(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    return message


@pytest.mark.parametrize("tenant", ["Storefront", "störefront", "store front", "x" * 31])
def test_tenants_are_lowercase_ascii_slugs(tmp_path: Path, tenant: str) -> None:
    message = entry_error(tmp_path, tenants=["storefront", tenant])
    assert "tenants[1]: String should match pattern" in message
    assert "lowercase ASCII, at most 30 characters" in message


def test_true_is_not_a_port(tmp_path: Path) -> None:
    message = entry_error(tmp_path, port=True)
    assert "port: Input should be a valid integer (got True)" in message


def test_an_infinite_cost_is_refused(tmp_path: Path) -> None:
    resources = yaml.safe_load((CATALOG_DIR / "github.yaml").read_text())["resources"]
    message = entry_error(tmp_path, resources={**resources, "cpuPerRequest": float("inf")})
    assert "resources.cpuPerRequest: Input should be a finite number" in message


def test_an_owner_email_is_checked_by_email_validator(tmp_path: Path) -> None:
    owner = {"team": "platform", "email": "platform@localhost"}
    message = entry_error(tmp_path, owner=owner)
    assert "owner.email: value is not a valid email address" in message


def test_a_duplicated_key_in_an_entry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "github.yaml"
    text = (CATALOG_DIR / "github.yaml").read_text()
    path.write_text(text.replace("port: 8080\n", "port: 8080\nport: 9090\n", 1))
    with pytest.raises(SettingsError, match=r"key 'port' appears twice \(lines 6 and 7\)"):
        load_entry(path)


def test_a_key_that_is_not_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "github.yaml"
    path.write_text("name: github\n8080: port\n")
    with pytest.raises(SettingsError, match=r"key 8080 is not text"):
        load_entry(path)


def test_an_empty_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "github.yaml"
    path.write_text("")
    with pytest.raises(SettingsError, match="not an empty document"):
        load_entry(path)


def test_bytes_that_are_not_utf8_are_named(tmp_path: Path) -> None:
    path = tmp_path / "github.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(SettingsError, match="not UTF-8 text"):
        load_entry(path)
