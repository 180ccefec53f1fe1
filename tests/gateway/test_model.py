"""The model refuses what would break the rendered configuration or its guarantees."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gateway import GatewayConfig
from tests.gateway.configs import sample_config


def _with(**changes: Any) -> dict[str, Any]:
    return {**sample_config().model_dump(), **changes}


def _route(index: int, **changes: Any) -> dict[str, Any]:
    document = sample_config().model_dump()
    document["routes"][index].update(changes)
    return document


def _error(document: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        GatewayConfig.model_validate(document)
    return str(caught.value)


def test_a_route_of_a_tenant_without_issuer_is_refused() -> None:
    message = _error(_route(0, tenant="billing"))
    assert "route 'slack': tenant 'billing' has no issuer" in message
    assert "research, storefront" in message


def test_names_and_issuers_are_unique() -> None:
    document = sample_config().model_dump()
    document["routes"][1]["name"] = "slack"
    assert "each route appears once; repeated: slack" in _error(document)
    document = sample_config().model_dump()
    document["tenants"][1]["issuer"] = document["tenants"][0]["issuer"]
    assert "each issuer appears once" in _error(document)


@pytest.mark.parametrize(
    "issuer",
    ["https://x.example/'or'", "https://x.example/ a", "https://x.example/#frag", "a,b", "50%"],
)
def test_values_that_could_escape_an_haproxy_string_are_refused(issuer: str) -> None:
    document = sample_config().model_dump()
    document["tenants"][0]["issuer"] = issuer
    assert "issuer" in _error(document)


def test_remote_servers_are_reached_over_https_only() -> None:
    document = sample_config().model_dump()
    document["routes"][3]["upstream"]["url"] = "http://mcp.vendor.example/mcp"
    assert "remote servers are reached over https://host/path only" in _error(document)


def test_tool_names_follow_the_mcp_rules() -> None:
    assert "approved_tools" in _error(_route(0, approved_tools=("fine", "not fine")))


def test_bind_is_an_address_or_one_environment_variable() -> None:
    assert (
        GatewayConfig.model_validate(_with(listen="${GATEWAY_LISTEN}")).listen
        == "${GATEWAY_LISTEN}"
    )
    assert "listen" in _error(_with(listen="${A} ${B}"))


def test_base_url_is_an_origin() -> None:
    assert "give the origin only" in _error(_with(public_base_url="https://mcp.example.com/api"))


def test_the_model_is_frozen() -> None:
    config = sample_config()
    with pytest.raises(ValidationError):
        config.replicas = 3  # type: ignore[misc]
