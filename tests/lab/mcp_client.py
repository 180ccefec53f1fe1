"""The official MCP client (streamable HTTP) pointed at the lab's gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


@asynccontextmanager
async def mcp_session(
    url: str, token: str | None = None, headers: dict[str, str] | None = None
) -> AsyncIterator[ClientSession]:
    """An initialized MCP session through the gateway, with a bearer token if given."""
    all_headers = dict(headers or {})
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    async with (
        create_mcp_http_client(headers=all_headers) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def structured(result: Any) -> Any:
    """A tool result's structured content, unwrapped from the SDK's ``{"result": ...}``."""
    content = result.structured_content
    assert result.is_error is False, result
    if isinstance(content, dict) and set(content) == {"result"}:
        return content["result"]
    return content
