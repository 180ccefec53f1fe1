"""The lab's reference MCP server, built on the official ``mcp`` SDK (streamable HTTP).

One program plays every dev server of the lab, so that the gateway is exercised against the
real protocol implementation rather than a fake. Two kinds, chosen per catalog entry's
``sessionMode``: *stateful* keeps SDK sessions (``Mcp-Session-Id``) and a per-session notepad
that only works when every request of a session reaches the same replica; *stateless* answers
each request on its own, so any replica will do.

Tools: ``echo`` and ``whoami`` (which replica and server answered, the headers the gateway
passed on), ``remember``/``recall`` (per-session state, stateful kind only), and
``delete_everything``, which the lab's allow-list deliberately leaves unapproved: the gateway
must refuse it without forwarding, so the tool records that it was called at all.

Spans: with ``OTEL_EXPORTER_OTLP_ENDPOINT`` set, a span per MCP message and per tool call goes
to that OTLP/HTTP endpoint, continuing the gateway's ``traceparent`` (``lab/tracing.py``).

Run: ``python -m lab.reference_server --server github --replica r0 --port 8101 --kind stateful``.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field

import uvicorn
from mcp.server.mcpserver import Context, MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from lab.tracing import (
    TracingSettingsError,
    configure_tracing,
    continue_gateway_trace,
    tool_call_spans,
)

STATEFUL = "stateful"
STATELESS = "stateless"
UNAPPROVED_TOOL = "delete_everything"
FORWARDED_HEADERS = ("authorization", "traceparent", "x-mcp-tenant", "x-remote-credential")


@dataclass
class ReplicaState:
    """What one replica remembers: notes per session and whether the forbidden tool ran."""

    server: str
    replica: str
    kind: str
    notes: dict[str, list[str]] = field(default_factory=dict)
    unapproved_calls: int = 0


def _session_id(ctx: Context) -> str:
    request = ctx.request_context.request
    headers = getattr(request, "headers", None)
    return str(headers.get("mcp-session-id", "")) if headers is not None else ""


def _headers_seen(ctx: Context) -> dict[str, str]:
    request = ctx.request_context.request
    headers = getattr(request, "headers", None)
    if headers is None:
        return {}
    return {name: str(headers[name]) for name in FORWARDED_HEADERS if name in headers}


def build_server(state: ReplicaState) -> MCPServer:
    """An MCPServer whose tools report on and use the replica's state."""
    server = MCPServer(name=f"lab-{state.server}", version="1.0.0")
    # outermost: the gateway's trace is current before the SDK opens its span per message
    server.middleware.insert(0, continue_gateway_trace)
    server.middleware.append(tool_call_spans)

    @server.tool()
    def echo(text: str) -> str:
        """Return the text unchanged."""
        return text

    @server.tool()
    def whoami(ctx: Context) -> dict[str, object]:
        """Which server and replica answered, and which headers arrived from the gateway."""
        return {
            "server": state.server,
            "replica": state.replica,
            "kind": state.kind,
            "session": _session_id(ctx),
            "headers": _headers_seen(ctx),
        }

    @server.tool(name=UNAPPROVED_TOOL)
    def delete_everything() -> str:
        """A tool no allow-list approves: reaching it means the gateway let it through."""
        state.unapproved_calls += 1
        return "deleted (this must never happen through the gateway)"

    if state.kind == STATEFUL:

        @server.tool()
        def remember(note: str, ctx: Context) -> int:
            """Add a note to this session's notepad; returns how many notes it holds."""
            notes = state.notes.setdefault(_session_id(ctx), [])
            notes.append(note)
            return len(notes)

        @server.tool()
        def recall(ctx: Context) -> list[str]:
            """This session's notes: empty on any replica but the one that holds the session."""
            return list(state.notes.get(_session_id(ctx), []))

    @server.custom_route("/livez", methods=["GET"])
    async def livez(_: Request) -> Response:
        return JSONResponse({"status": "ok", "replica": state.replica})

    @server.custom_route("/readyz", methods=["GET"])
    async def readyz(_: Request) -> Response:
        return JSONResponse({"status": "ready", "replica": state.replica})

    @server.custom_route("/lab/unapproved-calls", methods=["GET"])
    async def unapproved_calls(_: Request) -> Response:
        return JSONResponse({"calls": state.unapproved_calls})

    return server


class RequireBearer:
    """ASGI guard of the remote stand-in: MCP requests need the credential the gateway injects."""

    def __init__(self, app: ASGIApp, token: str, mcp_path: str):
        self.app = app
        self.expected = f"Bearer {token}".encode()
        self.mcp_path = mcp_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.mcp_path:
            headers = dict(scope["headers"])
            if headers.get(b"authorization") != self.expected:
                denied = JSONResponse({"error": "missing or wrong credential"}, status_code=401)
                await denied(scope, receive, send)
                return
        await self.app(scope, receive, send)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="the dev server this replica plays")
    parser.add_argument("--replica", required=True, help="stable replica name, like r0")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--kind", choices=(STATEFUL, STATELESS), required=True)
    parser.add_argument("--path", default="/mcp", help="the catalog entry's mcpPath")
    parser.add_argument("--certfile", help="serve HTTPS with this certificate (remote stand-in)")
    parser.add_argument("--keyfile", help="the certificate's private key")
    parser.add_argument(
        "--require-bearer-env",
        help="environment variable holding the bearer credential every MCP request must carry",
    )
    args = parser.parse_args(argv)
    try:
        provider = configure_tracing(args.server, args.replica)
    except TracingSettingsError as error:
        parser.error(str(error))
    state = ReplicaState(server=args.server, replica=args.replica, kind=args.kind)
    app = build_server(state).streamable_http_app(
        streamable_http_path=args.path,
        stateless_http=args.kind == STATELESS,
        json_response=args.kind == STATELESS,
        host="0.0.0.0",  # behind the gateway the Host header is the public one, not loopback
    )
    served: ASGIApp = app
    if args.require_bearer_env:
        served = RequireBearer(app, os.environ[args.require_bearer_env], args.path)
    try:
        uvicorn.run(
            served,
            host=args.host,
            port=args.port,
            log_level=os.environ.get("LAB_SERVER_LOG_LEVEL", "warning"),
            ssl_certfile=args.certfile,
            ssl_keyfile=args.keyfile,
        )
    finally:
        if provider is not None:  # flush the last spans: a forked replica ends in os._exit
            provider.shutdown()


if __name__ == "__main__":
    main()
