"""Property tests: no catalog entry, however broken, ends in a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog import CATALOG_DIR, load_entry
from stacks import SettingsError
from tests.stacks.settings_strategies import mutations, values

ENTRIES = {path.stem: yaml.safe_load(path.read_text()) for path in CATALOG_DIR.glob("*.yaml")}
FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def write(tmp_path: Path, name: str, document: Any) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    return path


@FUZZ
@given(name=st.sampled_from(sorted(ENTRIES)), data=st.data())
def test_any_value_anywhere_in_an_entry_is_loaded_or_named(
    name: str, data: st.DataObject, tmp_path: Path
) -> None:
    path = write(tmp_path, name, data.draw(mutations(ENTRIES[name])))
    try:
        entry = load_entry(path)
    except SettingsError as error:
        assert str(error).startswith(f"{path}: "), str(error)
    else:
        assert entry.name == name


@FUZZ
@given(document=values)
def test_any_document_as_an_entry_is_refused_with_the_file_named(
    document: Any, tmp_path: Path
) -> None:
    path = write(tmp_path, "github", document)
    with pytest.raises(SettingsError) as raised:
        load_entry(path)
    assert str(raised.value).startswith(f"{path}: ")


@FUZZ
@given(text=st.text(max_size=300))
def test_any_text_as_an_entry_is_refused_with_the_file_named(text: str, tmp_path: Path) -> None:
    path = tmp_path / "github.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with pytest.raises(SettingsError) as raised:
        load_entry(path)
    assert str(raised.value).startswith(f"{path}: ")
