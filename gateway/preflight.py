"""Files a rendered configuration names, checked before HAProxy runs on it.

``haproxy -c`` (2.6) accepts a ``jwt_verify`` key file that does not exist; at run time every
token would then fail verification. The configuration stays a pure rendering, so whoever
deploys it (the lab now, the component's init container later) asks this module first.
"""

from __future__ import annotations

from pathlib import Path

from gateway.model import GatewayConfig, RemoteUpstream
from gateway.render import LUA_FILES


def referenced_files(config: GatewayConfig) -> list[tuple[str, str]]:
    """(what, path) of every key and CA file the configuration reads."""
    files = [(f"the Lua file {name}", f"{config.lua_dir}/{name}") for name in LUA_FILES]
    files += [
        (f"tenant {tenant.name} key", key) for tenant in config.tenants for key in tenant.key_files
    ]
    files += [
        (f"route {route.name} CA", route.upstream.ca_file)
        for route in config.routes
        if isinstance(route.upstream, RemoteUpstream)
    ]
    return files


def missing_files(config: GatewayConfig) -> list[str]:
    """One line per file that is not a readable regular file, empty when all are present."""
    return [
        f"{what}: {path} does not exist or is not a file"
        for what, path in referenced_files(config)
        if not Path(path).is_file()
    ]
