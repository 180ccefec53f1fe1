"""Property tests: nothing a stack file can say ends in a traceback.

Arbitrary YAML text, arbitrary documents and the example stacks with values swapped for
arbitrary ones all end in either valid Settings or one SettingsError that names the stack
file and the key; the review turns that error into exit status 2.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stacks import SettingsError, load_settings
from stacks.fleet_plan import Settings
from stacks.stack_file import read_stack_config
from tests.stacks.settings_strategies import mutations, number_edges, values
from tests.stacks.stack_config import PROJECT_DIR

STACK_DOCUMENTS = {
    stack: yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())
    for stack in ("dev", "prod")
}
KEY = re.compile(r"^Pulumi\.(dev|prod)\.yaml: (mcp-fleet:[A-Za-z]*|aws:region)")
"""A message starts with the stack file, then the key (possibly with .field and [index])."""

FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def load_document(document: Any, directory: Path, stack: str = "prod") -> Settings:
    path = directory / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    config = read_stack_config(path, project="mcp-fleet")
    return load_settings(config, project="mcp-fleet", stack=stack, stack_file=path.name)


def assert_named(error: SettingsError) -> None:
    message = str(error)
    assert KEY.match(message), message
    assert "Traceback" not in message


@FUZZ
@given(stack=st.sampled_from(sorted(STACK_DOCUMENTS)), data=st.data())
def test_any_value_anywhere_in_a_stack_file_is_loaded_or_named(
    stack: str, data: st.DataObject, tmp_path: Path
) -> None:
    document = {"config": data.draw(mutations(STACK_DOCUMENTS[stack]["config"]))}
    try:
        loaded = load_document(document, tmp_path, stack)
    except SettingsError as error:
        assert_named(error)
    else:
        assert all(server.capacity.max_replicas <= 1000 for server in loaded.servers)


@FUZZ
@given(stack=st.sampled_from(sorted(STACK_DOCUMENTS)), data=st.data())
def test_any_number_at_an_edge_is_loaded_or_named(
    stack: str, data: st.DataObject, tmp_path: Path
) -> None:
    document = {"config": data.draw(number_edges(STACK_DOCUMENTS[stack]["config"]))}
    try:
        loaded = load_document(document, tmp_path, stack)
    except SettingsError as error:
        assert_named(error)
    else:
        assert all(0 < server.capacity.max_replicas <= 1000 for server in loaded.servers)


@FUZZ
@given(key=st.sampled_from(sorted(STACK_DOCUMENTS["prod"]["config"])), value=values)
def test_any_value_for_a_top_level_setting_is_loaded_or_named(
    key: str, value: Any, tmp_path: Path
) -> None:
    config = dict(STACK_DOCUMENTS["prod"]["config"], **{key: value})
    try:
        load_document({"config": config}, tmp_path)
    except SettingsError as error:
        assert_named(error)


@FUZZ
@given(document=values)
def test_any_document_as_a_stack_file_is_refused_with_the_file_named(
    document: Any, tmp_path: Path
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_document(document, tmp_path)
    assert str(raised.value).startswith(("Pulumi.prod.yaml: ", f"{tmp_path}/Pulumi.prod.yaml: "))


@FUZZ
@given(text=st.text(max_size=200))
def test_any_text_as_a_stack_file_is_read_or_refused_with_the_file_named(
    text: str, tmp_path: Path
) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        config = read_stack_config(path, project="mcp-fleet")
    except SettingsError as error:
        assert str(error).startswith(f"{path}: ")
    else:
        assert all(isinstance(value, str) for value in config.values())


@FUZZ
@given(raw=st.dictionaries(st.text(max_size=30), st.text(max_size=60), max_size=6))
def test_any_engine_config_is_loaded_or_named(raw: dict[str, str]) -> None:
    """What ``pulumi.Config`` hands over: ``namespace:key`` text, JSON or not."""
    config = {
        key: json.dumps(value) if value.startswith("{") else value for key, value in raw.items()
    }
    with pytest.raises(SettingsError) as raised:
        load_settings(config, project="mcp-fleet", stack="prod")
    assert str(raised.value).startswith("Pulumi.prod.yaml: ")
