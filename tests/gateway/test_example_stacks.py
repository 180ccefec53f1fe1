"""Every example stack renders a gateway configuration HAProxy itself accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway import LUA_DIR, GatewayConfig, SessionMode, SrvRecord, render
from gateway.from_settings import gateway_config, in_cluster_replicas
from gateway.preflight import missing_files
from lab.stack import load_stack
from stacks.fleet_plan import Settings
from tests.gateway.configs import remote_route, tenant
from tests.gateway.haproxy import haproxy_check
from tests.gateway.keys import self_signed_ca_and_server, signing_key

STACKS = ("dev", "staging", "prod")


def _config(settings: Settings, directory: Path) -> GatewayConfig:
    key = signing_key(directory, "issuer")
    tls = self_signed_ca_and_server(directory, "localhost")
    tenants = [
        tenant(name, str(key.public_file)) for name in sorted(set(settings.tenants) | {"research"})
    ]
    return gateway_config(
        settings,
        tenants=tenants,
        approved_tools={server.entry.name: ("search", "read") for server in settings.servers},
        remotes=(remote_route(str(tls.ca_file), host="localhost"),),  # no DNS in tests
        lua_dir=LUA_DIR,
    )


@pytest.mark.parametrize("stack", STACKS)
def test_haproxy_accepts_the_rendered_gateway_of_every_stack(stack: str, tmp_path: Path) -> None:
    settings = load_stack(stack)
    config = _config(settings, tmp_path)
    path = tmp_path / "gateway.cfg"
    path.write_text(render(config))
    result = haproxy_check(path, {"VENDOR_TOKEN": "unused-by-the-check"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration file is valid" in result.stdout
    for server in settings.servers:
        assert f"backend mcp_{server.name}\n" in path.read_text()


def test_haproxy_refuses_a_config_whose_ca_file_is_missing(tmp_path: Path) -> None:
    """The check is real: HAProxy loads the remote's CA bundle and fails without it."""
    config = _config(load_stack("dev"), tmp_path)
    Path(config.routes[-1].upstream.ca_file).unlink()  # type: ignore[union-attr]
    path = tmp_path / "gateway.cfg"
    path.write_text(render(config))
    result = haproxy_check(path, {"VENDOR_TOKEN": "x"})
    assert result.returncode != 0
    assert "ca-file" in result.stdout + result.stderr


def test_preflight_names_key_files_haproxy_would_accept_missing(tmp_path: Path) -> None:
    """HAProxy 2.6's check passes a missing jwt_verify key; the preflight does not."""
    config = _config(load_stack("dev"), tmp_path)
    assert missing_files(config) == []
    broken = config.model_copy(
        update={
            "tenants": tuple(
                t.model_copy(update={"key_files": ("/nonexistent.pem",)}) for t in config.tenants
            )
        }
    )
    path = tmp_path / "gateway.cfg"
    path.write_text(render(broken))
    assert haproxy_check(path, {"VENDOR_TOKEN": "x"}).returncode == 0  # why the preflight exists
    assert missing_files(broken) == [
        f"tenant {t.name} key: /nonexistent.pem does not exist or is not a file"
        for t in broken.tenants
    ]


def test_routes_follow_the_stack_and_the_catalog(tmp_path: Path) -> None:
    settings = load_stack("dev")
    config = _config(settings, tmp_path)
    by_name = {route.name: route for route in config.routes}
    for server in settings.servers:
        route = by_name[server.name]
        assert route.tenant == server.tenant
        assert route.session_mode is SessionMode(server.entry.session_mode.value)
        assert route.approved_tools == ("search", "read")
    assert config.public_base_url == f"https://{settings.network.domain}"
    assert by_name["slack"].session_mode is SessionMode.STATEFUL


def test_in_cluster_replicas_are_the_headless_services_srv_record_up_to_the_hpa_max() -> None:
    """Deployments and Rollouts name pods at random: the SRV record lists the ready ones."""
    server = next(s for s in load_stack("prod").servers if s.name == "slack")
    replicas = in_cluster_replicas(server)
    assert replicas == SrvRecord(
        name=f"_mcp._tcp.slack.{server.namespace}.svc.cluster.local",
        max_replicas=server.capacity.max_replicas,
    )


def test_servers_without_an_allow_list_refuse_every_tool(tmp_path: Path) -> None:
    settings = load_stack("dev")
    key = signing_key(tmp_path, "issuer")
    config = gateway_config(
        settings,
        tenants=[tenant(name, str(key.public_file)) for name in settings.tenants],
        approved_tools={},
    )
    assert all(route.approved_tools == () for route in config.routes)
