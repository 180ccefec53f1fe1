"""The deployed gateway's configuration from the stack's tenants and the catalog, checked by HAProxy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gateway import LUA_DIR, LocalUpstream, RemoteUpstream, Replica, SrvRecord, render
from gateway.from_settings import in_cluster_replicas
from gateway.preflight import missing_files
from gateway.stack_gateway import Addresses, credential_env, stack_gateway_config, tenant_auth
from lab.stack import load_stack
from tests.gateway.haproxy import haproxy_check
from tests.gateway.keys import signing_key

STACKS = ("dev", "staging", "prod")


@pytest.mark.parametrize("stack", STACKS)
def test_routes_tenants_and_tools_come_from_settings_and_catalog(stack: str) -> None:
    settings = load_stack(stack)
    config = stack_gateway_config(settings)
    assert [route.name for route in config.routes] == [s.name for s in settings.servers]
    for route, server in zip(config.routes, settings.servers, strict=True):
        assert route.tenant == server.tenant
        assert route.approved_tools == server.entry.approved_tools != ()
    storefront = config.tenant("storefront")
    assert storefront.issuer == "https://login.acme.example/storefront"
    assert storefront.key_files == ("/etc/haproxy/keys/storefront-2026.pem",)
    declared = next(t for t in settings.tenant_settings if t.name == "storefront")
    assert (storefront.rate_limit.requests, storefront.rate_limit.period_seconds) == (
        declared.rate_limit.window()
    )
    assert config.public_base_url == f"https://{settings.network.domain}"


@pytest.mark.parametrize("stack", STACKS)
def test_haproxy_accepts_every_stacks_production_gateway(stack: str, tmp_path: Path) -> None:
    settings = load_stack(stack)
    key = signing_key(tmp_path, "issuer")
    for tenant in settings.tenant_settings:
        for name in tenant.identity.key_files:
            shutil.copy(key.public_file, tmp_path / name)
    config = stack_gateway_config(settings, key_dir=str(tmp_path), lua_dir=LUA_DIR)
    path = tmp_path / "gateway.cfg"
    path.write_text(render(config))
    result = haproxy_check(path, {})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration file is valid" in result.stdout


def test_preflight_names_the_tenant_keys_the_pod_must_mount(tmp_path: Path) -> None:
    """HAProxy's check accepts missing key files; the preflight is what catches them."""
    config = stack_gateway_config(load_stack("dev"), key_dir=str(tmp_path), lua_dir=LUA_DIR)
    assert sorted(missing_files(config)) == [
        f"tenant research key: {tmp_path}/research-2026.pem does not exist or is not a file",
        f"tenant storefront key: {tmp_path}/storefront-2026.pem does not exist or is not a file",
    ]


def test_a_tenant_with_only_a_jwks_uri_is_named() -> None:
    declared = load_stack("dev").tenant_settings[0]
    identity = declared.identity.model_copy(
        update={"key_files": (), "jwks_uri": "https://login.acme.example/jwks"}
    )
    with pytest.raises(ValueError, match=r"tenants\[storefront\]\.identity\.keyFiles"):
        tenant_auth(declared.model_copy(update={"identity": identity}))


def test_a_remote_catalog_entry_becomes_a_tls_route_with_an_injected_credential() -> None:
    from dataclasses import replace

    from catalog.remote import RemoteServer

    settings = load_stack("dev")
    server = settings.servers[0]
    remote = RemoteServer.model_validate(
        {
            "url": "https://mcp.partner.example/v1/mcp",
            "sla": {"availability": 99.5, "p95LatencyMs": 900},
            "credentialSecret": {"name": "partner-token", "key": "token"},
        }
    )
    entry = server.entry.model_copy(update={"remote": remote})
    moved = replace(settings, servers=(replace(server, entry=entry), *settings.servers[1:]))
    route = next(r for r in stack_gateway_config(moved).routes if r.name == server.name)
    assert isinstance(route.upstream, RemoteUpstream)
    assert route.upstream.host == "mcp.partner.example"
    assert (
        route.upstream.credential_env == credential_env(server.name) == "REMOTE_GITHUB_CREDENTIAL"
    )
    assert route.approved_tools == server.entry.approved_tools


def test_the_cluster_gateway_finds_servers_and_itself_through_headless_services() -> None:
    settings = load_stack("prod")
    config = stack_gateway_config(settings, replicas=2, max_replicas=8)
    assert config.replicas == 2
    assert config.peers == SrvRecord(
        name="_health._tcp.mcp-gateway-peers.mcp-gateway.svc.cluster.local", max_replicas=8
    )
    for route in config.routes:
        if isinstance(route.upstream, LocalUpstream):
            server = next(s for s in settings.servers if s.name == route.name)
            assert route.upstream.replicas == in_cluster_replicas(server)


def test_the_lab_substitutes_addresses_remotes_and_tools_only() -> None:
    """What `lab up` replaces; everything else is the production function's output."""
    settings = load_stack("dev")
    loopback = (Replica(name="r0", address="127.0.0.1:9001"),)
    stand_in = RemoteUpstream(
        url="https://localhost:9443/mcp", ca_file="/tmp/ca.pem", credential_env="LAB_CRM"
    )
    lab = stack_gateway_config(
        settings,
        addresses=Addresses(
            replicas_of=lambda server: loopback,
            peers=(Replica(name="gw0", address="127.0.0.1:9405"),),
            public_base_url="http://127.0.0.1:8000",
        ),
        remote_stand_ins={"partner-crm": stand_in},
        extra_tools=("whoami",),
    )
    production = stack_gateway_config(settings)
    assert [r.name for r in lab.routes] == [r.name for r in production.routes]
    for ours, theirs in zip(lab.routes, production.routes, strict=True):
        if isinstance(theirs.upstream, RemoteUpstream):
            assert ours.upstream == stand_in
            assert ours.approved_tools == theirs.approved_tools
        else:
            assert ours.upstream == theirs.upstream.model_copy(update={"replicas": loopback})
            assert ours.approved_tools == (*theirs.approved_tools, "whoami")
        assert (ours.tenant, ours.session_mode) == (theirs.tenant, theirs.session_mode)
    assert lab.tenants == production.tenants
    without = stack_gateway_config(settings, remote_stand_ins={})
    assert "partner-crm" not in [route.name for route in without.routes]
