"""The gateway's image is a signed catalog entry in catalog/platform, with the catalog's messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import load_catalog
from catalog.platform_image import PLATFORM_DIR, load_platform_entry
from catalog.signing import verify_catalog
from stacks import SettingsError


def test_the_gateway_entry_is_pinned_signed_and_not_a_stack_server() -> None:
    entry = load_platform_entry("gateway")
    assert "@sha256:" in entry.image
    assert entry.tenants == ("shared",)
    assert verify_catalog({"gateway": entry})
    assert "gateway" not in load_catalog()


def test_a_tag_instead_of_a_digest_names_the_file_and_key(tmp_path: Path) -> None:
    original = (PLATFORM_DIR / "gateway.yaml").read_text()
    pinned = load_platform_entry("gateway").image
    (tmp_path / "gateway.yaml").write_text(original.replace(pinned, "ghcr.io/acme/gw:2.6"))
    with pytest.raises(SettingsError) as raised:
        load_platform_entry("gateway", tmp_path)
    assert str(raised.value).startswith(f"{tmp_path / 'gateway.yaml'}: image:")


def test_a_missing_file_says_what_to_add(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="signed catalog entry"):
        load_platform_entry("gateway", tmp_path)
