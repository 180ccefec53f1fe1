"""The approved MCP server catalog: one YAML file per server under ``catalog/servers``."""

from catalog.entry import (
    CatalogEntry,
    HealthPaths,
    ImageSignature,
    Owner,
    ResourceProfile,
    SessionMode,
    SignatureBlock,
    SloDeclaration,
    Tier,
    VulnerabilityScan,
)
from catalog.load import CATALOG_DIR, load_catalog, load_entry

__all__ = [
    "CATALOG_DIR",
    "CatalogEntry",
    "HealthPaths",
    "ImageSignature",
    "Owner",
    "ResourceProfile",
    "SessionMode",
    "SignatureBlock",
    "SloDeclaration",
    "Tier",
    "VulnerabilityScan",
    "load_catalog",
    "load_entry",
]
