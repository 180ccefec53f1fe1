"""`lab up`: reference servers, two gateway replicas and the ALB stand-in, on loopback.

The gateway configuration is built by ``gateway.stack_gateway.stack_gateway_config``, the
function the Pulumi component uses, rendered by ``gateway.render``, written once, checked
with ``haproxy -c`` and shared by both gateway replicas, which differ only in the
environment that tells them where to listen. What the lab substitutes, and nothing else:

- addresses: fixed loopback ``server`` lines for each server's replicas and for the gateway
  replicas (which count each other for the rate limits), where the cluster has SRV records
  of headless Services; the Lua that pins sessions and counts replicas is the same;
- the tenants' issuers: a local test issuer per tenant (the stack's rate limits, unless
  ``--rate-limit`` overrides them for every tenant);
- remote servers: a catalog remote runs only when ``--remotes`` names a stand-in for it
  (the lab does not reach the internet); other ``--remotes`` entries are added as routes;
- the reference server's tools (``LAB_TOOLS``) approved on every server besides the
  catalog's.

Every process is recorded in the state file as soon as it starts, so `down` can stop a lab
whose start failed half-way.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from gateway import LUA_DIR
from gateway.model import (
    GatewayConfig,
    LocalUpstream,
    RateLimit,
    RemoteUpstream,
    Replica,
    Route,
    TenantAuth,
)
from gateway.preflight import missing_files
from gateway.render import render
from gateway.stack_gateway import Addresses, local_servers, stack_gateway_config
from lab import processes
from lab.alb import render_alb
from lab.errors import LabError
from lab.issuer import create_issuer
from lab.ports import free_ports
from lab.remotes import load_remotes
from lab.stack import PROJECT_DIR, load_stack
from lab.state import LabServer, LabState, LabTenant, StartedProcess, save, state_path
from lab.telemetry import check_endpoint, server_telemetry_env
from stacks.fleet_plan import PlannedServer, Settings

LAB_TOOLS = ("echo", "recall", "remember", "whoami")
"""The reference server's tools the lab approves besides the catalog's; ``delete_everything``
stays unapproved."""
GATEWAYS = ("gw0", "gw1")
SERVER_REPLICAS = ("r0", "r1")
DEFAULT_RATE_LIMIT = 50
"""Requests per second for a tenant the stack does not declare (a --remotes entry's)."""
LISTEN_ENV = "LAB_GATEWAY_LISTEN"
HEALTH_ENV = "LAB_GATEWAY_HEALTH"


@dataclass(frozen=True)
class UpOptions:
    stack: str
    state_dir: Path
    rate_limit: int | None = None
    """Requests per second for every tenant; None: each tenant's limit from the stack."""
    remotes_file: Path | None = None
    only: tuple[str, ...] = ()
    timeout: float = 60.0
    otlp_endpoint: str | None = None


def haproxy_binary() -> str:
    found = shutil.which("haproxy")
    if found is None:
        raise LabError(
            "haproxy is not installed; install it (Debian: apt-get install -y haproxy, "
            "or make system-deps)"
        )
    return found


def _selected(settings: Settings, only: tuple[str, ...]) -> Settings:
    names = [server.name for server in settings.servers]
    unknown = sorted(set(only) - set(names))
    if unknown:
        raise LabError(f"--server {', '.join(unknown)}: the stack runs {', '.join(names)}")
    if not only:
        return settings
    servers = tuple(server for server in settings.servers if server.name in only)
    return dataclasses.replace(settings, servers=servers)


class LabStarter:
    """Starts the lab's processes in dependency order, recording each one as it starts."""

    def __init__(self, options: UpOptions, settings: Settings, remotes: tuple[Route, ...]):
        self.options = options
        self.settings = settings
        self.remotes = remotes
        self.local = local_servers(settings)
        self.logs = options.state_dir / "logs"
        ports = iter(free_ports(1 + 2 * len(GATEWAYS) + len(SERVER_REPLICAS) * len(self.local)))
        self.alb_port = next(ports)
        self.gateway_ports = {name: (next(ports), next(ports)) for name in GATEWAYS}
        self.server_ports = {
            (server.name, replica): next(ports)
            for server in self.local
            for replica in SERVER_REPLICAS
        }
        self.base_url = f"http://127.0.0.1:{self.alb_port}"
        self.started: list[StartedProcess] = []
        self.state = LabState(
            stack=options.stack,
            public_base_url=self.base_url,
            gateway_config=str(options.state_dir / "gateway.cfg"),
            otlp_endpoint=options.otlp_endpoint,
            tenants={},
            servers={},
            gateway_traffic={
                name: f"http://127.0.0.1:{port}" for name, (port, _) in self.gateway_ports.items()
            },
            gateway_health={
                name: f"http://127.0.0.1:{health}"
                for name, (_, health) in self.gateway_ports.items()
            },
        )

    def _record(self, process: StartedProcess) -> StartedProcess:
        self.started.append(process)
        self.state = self.state.model_copy(update={"processes": tuple(self.started)})
        save(self.options.state_dir, self.state)
        return process

    def issuers(self) -> dict[str, LabTenant]:
        tenants = {server.tenant for server in self.settings.servers}
        tenants |= {route.tenant for route in self.remotes}
        keys = self.options.state_dir / "keys"
        return {tenant: create_issuer(tenant, keys) for tenant in sorted(tenants)}

    def start_servers(self) -> None:
        """Every replica of every server, forked from one interpreter, then polled for readiness."""
        replicas, probes = [], {}
        for server in self.local:
            kind = server.entry.session_mode.value
            for replica in SERVER_REPLICAS:
                port = self.server_ports[(server.name, replica)]
                name = f"{server.name}-{replica}"
                argv = ["--server", server.name, "--replica", replica, "--port", str(port)]
                argv += ["--kind", kind, "--path", server.entry.mcp_path]
                replicas.append((name, argv, self.logs / f"{name}.log"))
                probes[name] = processes.http_probe(
                    f"http://127.0.0.1:{port}{server.entry.health.readiness}"
                )
        env = {"PYTHONPATH": str(PROJECT_DIR), **server_telemetry_env(self.options.otlp_endpoint)}
        started = processes.start_forked(replicas, env)
        for process in started:
            self._record(process)
        processes.wait_until(
            probes, {process.name: process for process in started}, self.options.timeout
        )

    def _replicas(self, server: PlannedServer) -> tuple[Replica, ...]:
        return tuple(
            Replica(name=replica, address=f"127.0.0.1:{self.server_ports[(server.name, replica)]}")
            for replica in SERVER_REPLICAS
        )

    def _peers(self) -> tuple[Replica, ...]:
        """Every gateway replica's health endpoint: they count each other for the limits."""
        return tuple(
            Replica(name=name, address=f"127.0.0.1:{health}")
            for name, (_, health) in self.gateway_ports.items()
        )

    def _auth(self, name: str, issuer: LabTenant) -> TenantAuth:
        """The tenant as the stack declares it, but verified with the lab's local issuer."""
        declared = next((t for t in self.settings.tenant_settings if t.name == name), None)
        if self.options.rate_limit is not None or declared is None:
            limit = RateLimit(requests=self.options.rate_limit or DEFAULT_RATE_LIMIT)
        else:
            requests, period = declared.rate_limit.window()
            limit = RateLimit(requests=requests, period_seconds=period)
        return TenantAuth(
            name=name, issuer=issuer.issuer, key_files=(issuer.public_key,), rate_limit=limit
        )

    def gateway(self, tenants: dict[str, LabTenant]) -> GatewayConfig:
        """``stack_gateway_config`` with the lab's substitutions (module docstring)."""
        catalog_remotes = {s.name for s in self.settings.servers if s.entry.remote is not None}
        stand_ins = {
            route.name: route.upstream
            for route in self.remotes
            if route.name in catalog_remotes and isinstance(route.upstream, RemoteUpstream)
        }
        config = stack_gateway_config(
            self.settings,
            replicas=len(GATEWAYS),
            tenants=[self._auth(name, tenant) for name, tenant in tenants.items()],
            lua_dir=LUA_DIR,
            addresses=Addresses(
                replicas_of=self._replicas,
                peers=self._peers(),
                public_base_url=self.base_url,
                listen="${" + LISTEN_ENV + "}",
                health_listen="${" + HEALTH_ENV + "}",
            ),
            remote_stand_ins=stand_ins,
            extra_tools=LAB_TOOLS,
        )
        extra = tuple(route for route in self.remotes if route.name not in stand_ins)
        try:
            return GatewayConfig.model_validate(
                {**config.model_dump(), "routes": [*config.model_dump()["routes"], *extra]}
            )
        except ValidationError as error:
            raise LabError(f"--remotes: {error.errors()[0]['msg']}") from None

    def _check(self, haproxy: str, config: Path, env: dict[str, str]) -> None:
        check = subprocess.run(
            [haproxy, "-c", "-q", "-f", str(config)],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise LabError(f"{config}: haproxy -c refused it:\n{check.stdout}{check.stderr}")

    def start_gateways(self, config: GatewayConfig) -> None:
        haproxy = haproxy_binary()
        missing = missing_files(config)
        if missing:
            raise LabError("the gateway configuration names missing files: " + "; ".join(missing))
        path = Path(self.state.gateway_config)
        path.write_text(render(config))
        probes, started = {}, {}
        for name, (port, health) in self.gateway_ports.items():
            env = {LISTEN_ENV: f"127.0.0.1:{port}", HEALTH_ENV: f"127.0.0.1:{health}"}
            self._check(haproxy, path, env)
            argv = [haproxy, "-db", "-f", str(path)]
            started[name] = self._record(
                processes.start(name, argv, self.logs / f"{name}.log", env)
            )
            probes[name] = processes.http_probe(f"http://127.0.0.1:{health}/healthz")
        processes.wait_until(probes, started, self.options.timeout)

    def start_alb(self) -> None:
        path = self.options.state_dir / "alb.cfg"
        gateways = [(name, port, health) for name, (port, health) in self.gateway_ports.items()]
        path.write_text(render_alb(f"127.0.0.1:{self.alb_port}", gateways))
        self._check(haproxy_binary(), path, {})
        alb = self._record(
            processes.start(
                "alb", [haproxy_binary(), "-db", "-f", str(path)], self.logs / "alb.log"
            )
        )
        first = self.state.servers[next(iter(self.state.servers))].url
        metadata = first.replace(
            self.base_url, f"{self.base_url}/.well-known/oauth-protected-resource"
        )
        processes.wait_until(
            {"alb": processes.http_probe(metadata)}, {"alb": alb}, self.options.timeout
        )

    def _direct_urls(self, route: Route) -> dict[str, str]:
        upstream = route.upstream
        if not isinstance(upstream, LocalUpstream) or not isinstance(upstream.replicas, tuple):
            return {}
        return {
            replica.name: f"http://{replica.address}{upstream.mcp_path}"
            for replica in upstream.replicas
        }

    def run(self) -> LabState:
        tenants = self.issuers()
        config = self.gateway(tenants)
        servers = {
            route.name: LabServer(
                url=config.resource_uri(route),
                tenant=route.tenant,
                session_mode=route.session_mode.value,
                replicas=self._direct_urls(route),
            )
            for route in config.routes
        }
        self.state = self.state.model_copy(update={"tenants": tenants, "servers": servers})
        save(self.options.state_dir, self.state)
        self.start_servers()
        self.start_gateways(config)
        self.start_alb()
        return self.state


def up(options: UpOptions) -> LabState:
    """Start the lab; on any failure stop what already started and raise LabError."""
    haproxy_binary()
    if state_path(options.state_dir).exists():
        from lab.state import load

        if any(processes.is_running(process) for process in load(options.state_dir).processes):
            raise LabError(
                f"{options.state_dir}: a lab is already running there; "
                "stop it with `python -m lab down` first"
            )
    if options.otlp_endpoint is not None:
        options = dataclasses.replace(options, otlp_endpoint=check_endpoint(options.otlp_endpoint))
    settings = _selected(load_stack(options.stack), options.only)
    remotes = load_remotes(options.remotes_file) if options.remotes_file else ()
    options.state_dir.mkdir(parents=True, exist_ok=True)
    starter = LabStarter(options, settings, remotes)
    try:
        return starter.run()
    except BaseException:
        processes.stop(starter.started)
        raise
