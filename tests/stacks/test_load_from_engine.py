"""``stacks.load()`` reads the engine's config through ``pulumi.Config``, as ``pulumi up`` runs it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pulumi
import pytest

from stacks import SettingsError, load
from stacks.aws_identifiers import TLS13_SECURITY_POLICIES
from tests.stacks.stack_config import raw_config


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The engine's view of the prod stack (project, stack, config), without resources."""
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    monkeypatch.delenv("MCP_FLEET_STACK_FILE", raising=False)
    pulumi.runtime.configure(pulumi.runtime.Settings(project="mcp-fleet", stack="prod"))
    yield raw_config("prod")
    pulumi.runtime.set_all_config({})


def test_load_reads_the_stack_through_pulumi_config(engine: dict[str, str]) -> None:
    pulumi.runtime.set_all_config(engine)
    settings = load()
    assert settings.stack_file == "Pulumi.prod.yaml" and settings.region == "eu-west-1"
    assert [server.name for server in settings.servers][:2] == ["github", "github-research"]


def test_a_setting_that_is_not_json_is_named(engine: dict[str, str]) -> None:
    engine["mcp-fleet:cluster"] = "platform-prod"
    pulumi.runtime.set_all_config(engine)
    with pytest.raises(SettingsError, match=r"^Pulumi\.prod\.yaml: mcp-fleet:cluster: "):
        load()


def test_a_misspelt_key_in_the_engines_config_bag_is_refused(
    engine: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine["mcp-fleet:sever"] = "[]"
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(engine))
    with pytest.raises(SettingsError, match=r"mcp-fleet:sever: this program reads no such"):
        load()


def test_the_tls_policy_list_covers_every_tls13_policy_moto_knows() -> None:
    """moto ships the policy table for its emulator; ours must not miss one of its names."""
    from moto.elbv2.ssl_policies import SSL_POLICIES

    known = {name for name in SSL_POLICIES if name.startswith("ELBSecurityPolicy-TLS13-")}
    assert known and known <= TLS13_SECURITY_POLICIES
