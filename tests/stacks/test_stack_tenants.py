"""The stack's tenants section: every server's tenant declared, names and issuers unique."""

from __future__ import annotations

from typing import Any

import pytest

from stacks import SettingsError
from stacks.loader import load_settings
from tests.stacks.stack_config import raw_config, structured, with_value


def error_for(config: dict[str, str], stack: str = "prod") -> str:
    with pytest.raises(SettingsError) as raised:
        load_settings(config, project="mcp-fleet", stack=stack)
    return str(raised.value)


def tenants_with(**changes: Any) -> list[dict[str, Any]]:
    tenants = structured("prod", "mcp-fleet:tenants")
    tenants[0].update(changes)
    return tenants


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_each_example_stack_declares_the_tenants_of_its_servers(stack: str) -> None:
    settings = load_settings(raw_config(stack), project="mcp-fleet", stack=stack)
    declared = {tenant.name for tenant in settings.tenant_settings}
    assert declared == set(settings.tenants) == {"storefront", "research"}
    storefront = next(t for t in settings.tenant_settings if t.name == "storefront")
    assert storefront.identity.issuer == "https://login.acme.example/storefront"
    assert storefront.rate_limit.requests_per_second > 0


def test_a_stack_without_tenants_is_told_to_declare_them() -> None:
    message = error_for(with_value("prod", "mcp-fleet:tenants", None))
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:tenants:"), message


def test_a_server_of_an_undeclared_tenant_names_the_server_and_the_section() -> None:
    research_only = [t for t in structured("prod", "mcp-fleet:tenants") if t["name"] == "research"]
    message = error_for(with_value("prod", "mcp-fleet:tenants", research_only))
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:servers[0].tenant: 'storefront'")
    assert "declare it there" in message and "use one of: research" in message


def test_two_tenants_sharing_an_issuer_are_refused() -> None:
    issuer = "https://login.acme.example/research"
    tenants = tenants_with(identity={"issuer": issuer, "keyFiles": ["x.pem"]})
    message = error_for(with_value("prod", "mcp-fleet:tenants", tenants))
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:tenants:"), message
    assert "identity.issuer must be unique" in message and issuer in message


def test_an_issuer_that_is_not_https_names_the_key() -> None:
    tenants = tenants_with(identity={"issuer": "http://login.example", "keyFiles": ["a.pem"]})
    message = error_for(with_value("prod", "mcp-fleet:tenants", tenants))
    assert "mcp-fleet:tenants[0].identity.issuer" in message, message
    assert "https://" in message


def test_a_burst_below_the_rate_is_refused() -> None:
    tenants = tenants_with(rateLimit={"requestsPerSecond": 100, "burst": 10})
    message = error_for(with_value("prod", "mcp-fleet:tenants", tenants))
    assert "mcp-fleet:tenants[0].rateLimit" in message and "burst (10)" in message
