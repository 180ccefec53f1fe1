"""JSON documents the gateway answers with itself: protected-resource metadata and errors.

They are rendered once, with sorted keys and no spaces, so the configuration is the same
bytes for the same input and each fits in a single-quoted HAProxy string (the model keeps
quotes out of every value).
"""

from __future__ import annotations

import json
from typing import Any

from gateway.model import GatewayConfig, Route

# JSON-RPC codes (https://www.jsonrpc.org/specification#error_object)
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602


def compact(document: Any) -> str:
    """Canonical JSON; refuses a quote HAProxy's single-quoted string could not hold."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    if "'" in text:
        raise ValueError(f"{text}: a single quote cannot stand in an HAProxy string")
    return text


def protected_resource_metadata(config: GatewayConfig, route: Route) -> str:
    """RFC 9728 metadata for one route: which issuer's tokens it takes and how to send them."""
    return compact(
        {
            "resource": config.resource_uri(route),
            "authorization_servers": [config.tenant(route.tenant).issuer],
            "bearer_methods_supported": ["header"],
            "scopes_supported": sorted(route.scopes),
            "resource_name": route.name,
        }
    )


def oauth_error(error: str, description: str) -> str:
    """An RFC 6750 style error body for 401/403/429 answers."""
    return compact({"error": error, "error_description": description})


def jsonrpc_error_prefix() -> str:
    """Start of a JSON-RPC error response; the id and error follow, written in log-format."""
    return '{"jsonrpc":"2.0","id":'
