"""Two real gateway replicas (HAProxy) on one rendered configuration, finding stub servers and
each other through SRV records served by ``FakeDns``: the cluster's addressing, on loopback.

The only change to the rendered text is the resolver: ``parse-resolv-conf`` becomes the fake
DNS server's address, as a pod's resolv.conf would name the cluster's.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import jwt

from gateway import LUA_DIR, GatewayConfig, LocalUpstream, Route, SessionMode, SrvRecord, render
from lab import processes
from lab.ports import free_ports
from tests.gateway.configs import tenant
from tests.gateway.fake_dns import FakeDns, fake_dns
from tests.gateway.haproxy import haproxy_or_skip
from tests.gateway.keys import signing_key

SERVER_SRV = "_mcp._tcp.slack.mcp-storefront.svc.cluster.local"
PEERS_SRV = "_health._tcp.mcp-gateway-peers.mcp-gateway.svc.cluster.local"
LISTEN, HEALTH = "SRV_TEST_LISTEN", "SRV_TEST_HEALTH"


@dataclass
class StubServer:
    """An upstream replica: answers with its name, the session id it was sent, its own id."""

    name: str
    port: int = 0
    sessions_seen: list[str] = field(default_factory=list)

    def start(self) -> ThreadingHTTPServer:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the health check
                self._answer(b"ok")

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                stub.sessions_seen.append(self.headers.get("mcp-session-id") or "")
                body = {"jsonrpc": "2.0", "id": 1, "result": {"replica": stub.name}}
                self._answer(json.dumps(body).encode(), {"Mcp-Session-Id": f"sess-{stub.name}"})

            def _answer(self, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(200)
                for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # health checks hang up without reading the whole answer

        server = Server(("127.0.0.1", 0), Handler)
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    @property
    def pod(self) -> tuple[str, str, int]:
        return (f"{self.name}.slack.mcp-storefront.svc.cluster.local", "127.0.0.1", self.port)


@dataclass
class SrvGateways:
    dns: FakeDns
    urls: list[str]
    health_ports: list[int]
    token: str
    logs: list[Path]

    def post(self, gateway: int, session: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        if session is not None:
            headers["Mcp-Session-Id"] = session
        body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        return httpx.post(self.urls[gateway], json=body, headers=headers, timeout=10)

    def set_peers(self, gateways: list[int]) -> None:
        self.dns.set(
            PEERS_SRV,
            [(f"gw{i}.peers.example", "127.0.0.1", self.health_ports[i]) for i in gateways],
        )


def pin_of(address: str) -> str:
    """The prefix the gateway writes for an upstream at ``address`` (ip:port)."""
    return address.encode().hex().upper()


def _config(directory: Path, base_url: str, requests_per_second: int) -> tuple[str, str]:
    key = signing_key(directory, "storefront")
    config = GatewayConfig(
        public_base_url=base_url,
        listen="${" + LISTEN + "}",
        health_listen="${" + HEALTH + "}",
        tenants=(tenant("storefront", str(key.public_file), requests_per_second),),
        routes=(
            Route(
                name="slack",
                tenant="storefront",
                session_mode=SessionMode.STATEFUL,
                approved_tools=(),
                upstream=LocalUpstream(replicas=SrvRecord(name=SERVER_SRV, max_replicas=3)),
            ),
        ),
        peers=SrvRecord(name=PEERS_SRV, max_replicas=3),
        lua_dir=LUA_DIR,
    )
    now = int(time.time())
    claims = {"iss": "https://storefront.issuer.example", "aud": f"{base_url}/slack/mcp"}
    token = jwt.encode(
        {**claims, "sub": "srv-test", "iat": now, "nbf": now, "exp": now + 600},
        key.private_pem,
        algorithm="RS256",
    )
    return render(config), token


@contextmanager
def srv_gateways(
    directory: Path, stubs: list[StubServer], requests_per_second: int = 100
) -> Iterator[SrvGateways]:
    """Stubs and two gateway replicas up, every stub in DNS, both gateways routing."""
    haproxy = haproxy_or_skip()
    with ExitStack() as stack, fake_dns() as dns:
        for stub in stubs:
            stack.callback(stub.start().shutdown)
        dns.set(SERVER_SRV, [stub.pod for stub in stubs])
        ports = free_ports(4)
        text, token = _config(directory, f"http://127.0.0.1:{ports[0]}", requests_per_second)
        path = directory / "gateway.cfg"
        path.write_text(text.replace("parse-resolv-conf", f"nameserver fake 127.0.0.1:{dns.port}"))
        gateways = SrvGateways(
            dns=dns,
            urls=[f"http://127.0.0.1:{ports[i]}/slack/mcp" for i in (0, 2)],
            health_ports=[ports[1], ports[3]],
            token=token,
            logs=[directory / f"gw{i}.log" for i in (0, 1)],
        )
        gateways.set_peers([0, 1])
        started = []
        for index in (0, 1):
            env = {
                LISTEN: f"127.0.0.1:{ports[2 * index]}",
                HEALTH: f"127.0.0.1:{ports[2 * index + 1]}",
            }
            argv = [haproxy, "-db", "-f", str(path)]
            started.append(processes.start(f"gw{index}", argv, gateways.logs[index], env))
        stack.callback(processes.stop, started)
        probes = {
            f"gw{i}": processes.http_probe(f"http://127.0.0.1:{gateways.health_ports[i]}/healthz")
            for i in (0, 1)
        }
        processes.wait_until(probes, {p.name: p for p in started}, timeout=30)
        yield gateways
