"""The gateway's image is pinned by digest in catalog/platform, with the catalog's messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.platform_image import PLATFORM_DIR, load_platform_image
from stacks import SettingsError


def test_the_gateway_image_is_pinned_by_digest() -> None:
    image = load_platform_image("gateway")
    assert "@sha256:" in image.image and image.run_as_user > 0


def _error(tmp_path: Path, text: str) -> str:
    (tmp_path / "gateway.yaml").write_text(text)
    with pytest.raises(SettingsError) as raised:
        load_platform_image("gateway", tmp_path)
    return str(raised.value)


def test_a_tag_instead_of_a_digest_names_the_file_and_key(tmp_path: Path) -> None:
    original = (PLATFORM_DIR / "gateway.yaml").read_text()
    pinned = load_platform_image("gateway").image
    message = _error(tmp_path, original.replace(pinned, "ghcr.io/acme/mcp-gateway:2.6"))
    assert message.startswith(f"{tmp_path / 'gateway.yaml'}: image:"), message


def test_a_missing_file_says_where_to_pin_the_image(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="pin the gateway image by digest"):
        load_platform_image("gateway", tmp_path)
