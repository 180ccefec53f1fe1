"""What the pack knows of each remote server: its route in the gateway, its signed entry.

A remote server has no Deployment. What reaches the pack is the gateway's rendered HAProxy
configuration (its ConfigMap: the route, the upstream host, TLS and the credential header)
and the gateway's Deployment: the signed catalog entries of its remotes
(``mcp-fleet.io/remote-catalog-entries``) and the environment the credential is read from.
An upstream is remote when its address is not a cluster-local name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .contract import REMOTE_CATALOG_ENTRIES_ANNOTATION
from .gateway_config import backends_used, section
from .reads import UNKNOWN, get, is_unknown, items

BACKEND_PREFIX = "mcp_"
IN_CLUSTER_SUFFIX = ".cluster.local"
ENV_REFERENCE = re.compile(r"%\[env\(([A-Za-z_][A-Za-z0-9_]*)\)\]")
TENANT_OF_ROUTE = re.compile(r"^http-request set-var\(txn\.server_tenant\) str\((\S+)\) if (\S+)$")


@dataclass(frozen=True)
class RemoteRoute:
    """One routed backend whose upstream lies outside the cluster, as HAProxy would run it."""

    name: str
    tenant: str
    host: str
    port: int | None
    path: str
    verified_tls: bool
    credential_envs: tuple[str, ...] = field(default=())

    @property
    def endpoint(self) -> str:
        port = "" if self.port in (None, 443) else f":{self.port}"
        return f"https://{self.host}{port}{self.path}"


def _address(line: str) -> tuple[str, int | None] | None:
    """(host, port) of a ``server NAME ADDRESS ...`` line."""
    words = line.split()
    if len(words) < 3 or words[0] != "server":
        return None
    host, _, port = words[2].rpartition(":")
    if not host:
        return words[2], None
    return host, int(port) if port.isdigit() else None


def _is_remote(host: str) -> bool:
    return not host.endswith(IN_CLUSTER_SUFFIX) and not host.startswith("_")


def _route_tenants(frontend: list[str]) -> dict[str, str]:
    found = {}
    for line in frontend:
        match = TENANT_OF_ROUTE.match(line)
        if match:
            found[match.group(2).removeprefix("route_")] = match.group(1)
    return found


def _remote_route(name: str, tenant: str, lines: list[str]) -> RemoteRoute | None:
    servers = [(line, _address(line)) for line in lines if line.startswith("server ")]
    remote = [(line, found) for line, found in servers if found and _is_remote(found[0])]
    if not remote:
        return None
    line, (host, port) = remote[0]  # type: ignore[misc]
    words = line.split()
    paths = [line.split()[-1] for line in lines if line.startswith("http-request set-path ")]
    return RemoteRoute(
        name=name,
        tenant=tenant,
        host=host,
        port=port,
        path=paths[-1] if paths else "",
        verified_tls="ssl" in words and "verify required" in line and "verify none" not in line,
        credential_envs=tuple(
            env
            for line in lines
            if line.startswith("http-request set-header ")
            for env in ENV_REFERENCE.findall(line)
        ),
    )


def remote_routes(text: str) -> list[RemoteRoute]:
    """Every backend ``frontend mcp`` routes to whose upstream is outside the cluster."""
    frontend = section(text, "frontend mcp")
    tenants = _route_tenants(frontend)
    found = []
    for backend, _ in backends_used(frontend):
        name = backend.removeprefix(BACKEND_PREFIX)
        route = _remote_route(name, tenants.get(name, ""), section(text, f"backend {backend}"))
        if route is not None:
            found.append(route)
    return found


def remote_entries(deployment_props: Any) -> Any:
    """``{route: {"entry", "signature"}}`` from the gateway Deployment; ``UNKNOWN`` in preview.

    Raises ``ValueError`` when the annotation is not a JSON object.
    """
    text = get(deployment_props, "metadata", "annotations", REMOTE_CATALOG_ENTRIES_ANNOTATION)
    if is_unknown(text):
        return UNKNOWN
    if not text:
        return {}
    document = json.loads(str(text))
    if not isinstance(document, dict):
        raise ValueError(f"{REMOTE_CATALOG_ENTRIES_ANNOTATION} is not a JSON object")
    return document


def secret_reference(deployment_props: Any, env_name: str) -> Any:
    """The ``secretKeyRef`` an env var of the gateway's containers is read from, or None."""
    containers = get(deployment_props, "spec", "template", "spec", "containers")
    if is_unknown(containers):
        return UNKNOWN
    for container in items(containers):
        for variable in items(get(container, "env")):
            if get(variable, "name") == env_name:
                return get(variable, "valueFrom", "secretKeyRef")
    return None
