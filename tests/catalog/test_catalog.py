"""The example catalog loads into typed entries; bad entries are named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from catalog import CATALOG_DIR, SessionMode, load_catalog, load_entry
from stacks import SettingsError
from stacks.environment import Environment


def test_the_example_catalog_has_six_servers_and_two_tenants() -> None:
    catalog = load_catalog()
    assert len(catalog) >= 6
    tenants = {tenant for entry in catalog.values() for tenant in entry.tenants}
    assert {"storefront", "research"} <= tenants
    assert {e.session_mode for e in catalog.values()} == {
        SessionMode.STATELESS,
        SessionMode.STATEFUL,
    }


def test_every_entry_is_pinned_by_digest_with_sbom_provenance_and_scan() -> None:
    for entry in load_catalog().values():
        assert "@sha256:" in entry.image and len(entry.image_digest) == 71
        assert entry.sbom.sha256 and entry.provenance.sha256
        assert entry.scan.tool == "trivy"
        assert entry.transport == "streamable-http"
        assert entry.health.readiness.startswith("/")
        assert entry.document["name"] == entry.name  # the raw document is kept for signing


def test_k8s_readonly_is_not_promoted_to_prod() -> None:
    entry = load_catalog()["k8s-readonly"]
    assert Environment.PROD not in entry.stages


def write_variant(tmp_path: Path, name: str, **changes: object) -> Path:
    document = yaml.safe_load((CATALOG_DIR / f"{name}.yaml").read_text())
    for key, value in changes.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_an_image_by_tag_is_refused(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "github", image="ghcr.io/acme-platform/mcp-github:1.8.2")
    with pytest.raises(SettingsError) as raised:
        load_entry(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: image: String should match pattern")
    assert "expected image pinned by digest" in message


def test_an_unknown_stage_is_refused(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "jira", stages=["dev", "qa"])
    with pytest.raises(
        SettingsError, match=r"stages\[1\]: Input should be 'dev', 'staging' or 'prod'"
    ):
        load_entry(path)


def test_a_misspelt_key_is_refused(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "slack", sesionMode="stateful", sessionMode=None)
    with pytest.raises(SettingsError) as raised:
        load_entry(path)
    message = str(raised.value)
    assert "sesionMode: Extra inputs are not permitted" in message
    assert "sessionMode: Field required" in message


def test_a_scan_with_negative_counts_is_refused(tmp_path: Path) -> None:
    document = yaml.safe_load((CATALOG_DIR / "github.yaml").read_text())
    document["scan"]["critical"] = -1
    path = write_variant(tmp_path, "github", scan=document["scan"])
    with pytest.raises(
        SettingsError, match=r"scan\.critical: Input should be greater than or equal to 0"
    ):
        load_entry(path)


def test_the_file_name_must_match_the_entry(tmp_path: Path) -> None:
    source = write_variant(tmp_path, "github")
    renamed = source.rename(tmp_path / "gitlab.yaml")
    with pytest.raises(SettingsError, match=r"rename the file to github\.yaml"):
        load_entry(renamed)


def test_a_document_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(SettingsError, match="a catalog entry is a YAML mapping"):
        load_entry(path)


def test_invalid_yaml_is_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n")
    with pytest.raises(SettingsError, match=r"broken.yaml: not valid YAML: line 2, column 1"):
        load_entry(path)
