"""A tenant whose quota cannot hold its servers at peak is refused when the stack is loaded.

Through ``stacks.load_settings`` (what the program runs) and the review CLI (exit 2, one
line), before any component is built: the message names the tenant, the key and the numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from review.cli import EXIT_BAD_INPUT, app
from stacks import SettingsError, load_settings
from stacks.stack_file import STACK_FILE_VARIABLE
from tests.stacks.stack_config import PROJECT_DIR, raw_config, structured


def with_research_quota(**quota: float) -> dict[str, str]:
    """The prod stack with the research tenant's quota changed."""
    tenants = structured("prod", "mcp-fleet:tenants")
    research = next(tenant for tenant in tenants if tenant["name"] == "research")
    research["quota"] = {**research["quota"], **quota}
    return {**raw_config("prod"), "mcp-fleet:tenants": json.dumps(tenants)}


def test_the_example_stacks_fit_their_quotas() -> None:
    for stack in ("dev", "staging", "prod"):
        settings = load_settings(raw_config(stack), project="mcp-fleet", stack=stack)
        assert settings.tenant_settings


def test_a_quota_below_the_peak_pods_is_refused_with_the_numbers() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(with_research_quota(pods=1), project="mcp-fleet", stack="prod")
    message = str(raised.value)
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:tenants: tenant 'research' ")
    assert "exceed tenants[research].quota.pods 1; raise it to at least" in message
    assert "rollout surge" in message


def test_a_quota_below_the_peak_cpu_names_the_cores() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(with_research_quota(cpuCores=1), project="mcp-fleet", stack="prod")
    assert "exceed tenants[research].quota.cpuCores 1 (1000m); raise it to at least" in str(
        raised.value
    )


def test_the_review_cli_refuses_it_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(STACK_FILE_VARIABLE, raising=False)
    import yaml

    document = yaml.safe_load((PROJECT_DIR / "Pulumi.prod.yaml").read_text())
    for tenant in document["config"]["mcp-fleet:tenants"]:
        tenant["quota"]["services"] = 1 if tenant["name"] == "storefront" else 50
    stack_file = tmp_path / "Pulumi.prod.yaml"
    stack_file.write_text(yaml.safe_dump(document))
    result = CliRunner().invoke(app, ["prod", "--config-file", str(stack_file), "--skip-policy"])
    assert result.exit_code == EXIT_BAD_INPUT
    assert result.stderr.startswith(f"error: {stack_file}: mcp-fleet:tenants: tenant 'storefront'")
    assert "exceed tenants[storefront].quota.services 1" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
