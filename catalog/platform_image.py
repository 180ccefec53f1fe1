"""Signed catalog entries of the platform's own workloads (the gateway), beside the catalog.

Held to the servers' rules (an image pinned by digest, an approver's signature, SBOM,
provenance and a recent scan; the same policies judge their Deployments) but kept out of
``catalog/servers``, so that no stack can list them as a tenant's server.
"""

from __future__ import annotations

from pathlib import Path

from catalog.entry import CatalogEntry
from catalog.load import load_entry
from stacks.errors import SettingsError

PLATFORM_DIR = Path(__file__).resolve().parent / "platform"


def load_platform_entry(name: str, directory: Path = PLATFORM_DIR) -> CatalogEntry:
    """``directory/NAME.yaml``; any mistake is one SettingsError naming the file and key."""
    path = directory / f"{name}.yaml"
    if not path.is_file():
        raise SettingsError(
            f"{path}: missing; add the {name} image's signed catalog entry (pinned by digest)"
        )
    return load_entry(path)
