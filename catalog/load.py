"""Read catalog YAML files into typed entries, with errors that name the file and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from catalog.entry import CatalogEntry
from stacks.errors import SettingsError
from stacks.strict_yaml import read_yaml
from stacks.validation_message import describe_validation_error

CATALOG_DIR = Path(__file__).resolve().parent / "servers"


def load_entry(path: Path) -> CatalogEntry:
    """One entry; every mistake in the file is one SettingsError naming the file and key."""
    document: Any = read_yaml(path)
    if not isinstance(document, dict):
        raise SettingsError(
            f"{path}: a catalog entry is a YAML mapping of server fields (name, version, "
            f"image, ...), not {_kind(document)}"
        )
    try:
        entry = CatalogEntry.model_validate(document)
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error, str(path), CatalogEntry)) from None
    if path.stem != entry.name:
        raise SettingsError(
            f"{path}: name: the entry is named {entry.name!r} but its file is {path.name}; "
            f"rename the file to {entry.name}.yaml"
        )
    entry._document = document
    entry._source = str(path)
    return entry


def _kind(document: Any) -> str:
    if document is None:
        return "an empty document"
    return f"a {type(document).__name__} ({str(document)[:40]!r})"


def load_catalog(directory: Path = CATALOG_DIR) -> dict[str, CatalogEntry]:
    """Every entry in the catalog directory, by name."""
    if not directory.is_dir():
        raise SettingsError(f"{directory}: the catalog directory does not exist")
    entries = [load_entry(path) for path in sorted(directory.glob("*.yaml"))]
    return {entry.name: entry for entry in entries}
