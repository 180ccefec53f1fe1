"""The mcp-fleet policy pack: this file only builds it (each policy is a module in ``rules/``).

The Pulumi CLI runs it as ``python -u -m pulumi.policy ENGINE_ADDRESS .`` from this
directory (see README.md): ``runpy`` runs this file as a script, with no package. So that
every module of the pack can import its siblings relatively, always, this file then loads
the directory itself as a package (named ``mcp_fleet_policy``); imported as part of the
``policy`` package (tests, the review's tools) it uses that package instead.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

from pulumi_policy import Policy, PolicyPack

STANDALONE_PACKAGE = "mcp_fleet_policy"


def _load_pack_directory() -> None:
    """Import this directory as the package ``mcp_fleet_policy`` (once)."""
    if STANDALONE_PACKAGE in sys.modules:
        return
    here = Path(__file__).resolve().parent
    spec = importlib.util.spec_from_file_location(
        STANDALONE_PACKAGE, here / "__init__.py", submodule_search_locations=[str(here)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[STANDALONE_PACKAGE] = package
    spec.loader.exec_module(package)


def policies() -> list[Policy]:
    """Every policy of the pack, imported as a package however this file was started."""
    if __package__:
        return list(importlib.import_module(f"{__package__}.rules").POLICIES)
    _load_pack_directory()
    return list(importlib.import_module(f"{STANDALONE_PACKAGE}.rules").POLICIES)


if __name__ == "__main__":
    PolicyPack(name="mcp-fleet", policies=policies())
