"""OpenTelemetry for the reference server, configured only from the standard ``OTEL_*`` variables.

A fleet server in the cluster gets its telemetry settings as environment variables
(``telemetry.otel_env``); the reference server reads the same ones, so the lab proves what a
real server does: its span for an MCP request continues the trace of the ``traceparent`` the
gateway forwarded, and the local OTLP endpoint receives it.

Two MCP server middlewares do the work. ``continue_gateway_trace`` sits outermost and makes the
W3C context of the HTTP request's headers current, so the MCP SDK's own span per message
(its ``OpenTelemetryMiddleware``, a SERVER span) becomes a child of the gateway's span instead
of a new root (the SDK only looks at the JSON-RPC ``_meta``, which the gateway does not set).
``tool_call_spans`` sits inside it: it names the request span's method (``mcp.method``) and
wraps every ``tools/call`` in a span of its own with ``mcp.method`` and ``mcp.tool``.

Without ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) nothing
is configured: the API's no-op tracer costs nothing and the lab stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_INSTANCE_ID, SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
EXPORTED_PROTOCOL = "http/protobuf"
PROTOCOL_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")
TOOL_CALL = "tools/call"
METHOD_ATTRIBUTE = "mcp.method"
TOOL_ATTRIBUTE = "mcp.tool"

_tracer = trace.get_tracer("lab.reference_server")


class TracingSettingsError(ValueError):
    """An ``OTEL_*`` value the reference server cannot honour; the message names it."""


def exporting(environ: Mapping[str, str]) -> bool:
    """Spans are exported only when an OTLP endpoint is configured and not switched off."""
    has_endpoint = any(environ.get(name) for name in ENDPOINT_VARIABLES)
    return has_endpoint and environ.get("OTEL_TRACES_EXPORTER", "otlp") != "none"


def _check_protocol(environ: Mapping[str, str]) -> None:
    for name in PROTOCOL_VARIABLES:
        protocol = environ.get(name)
        if protocol and protocol != EXPORTED_PROTOCOL:
            raise TracingSettingsError(
                f"{name}={protocol}: the reference server exports OTLP over HTTP only; "
                f"set it to {EXPORTED_PROTOCOL} or unset it"
            )


def configure_tracing(server: str, replica: str) -> TracerProvider | None:
    """Install the SDK's tracer provider if spans are to be exported; the caller shuts it down.

    The resource comes from ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES`` (the SDK
    reads them); the server's name and replica fill ``service.name`` and
    ``service.instance.id`` only where the environment says nothing, because the lab starts
    every replica from one environment. The sampler (``OTEL_TRACES_SAMPLER``), the exporter's
    endpoint and the batch delay (``OTEL_BSP_*``) are the SDK's own reading of the environment.
    """
    if not exporting(os.environ):
        return None
    _check_protocol(os.environ)
    detected = Resource.create().attributes
    defaults: dict[str, str] = {}
    if str(detected.get(SERVICE_NAME, "")).startswith("unknown_service"):
        defaults[SERVICE_NAME] = server
    if f"{SERVICE_INSTANCE_ID}=" not in os.environ.get("OTEL_RESOURCE_ATTRIBUTES", ""):
        defaults[SERVICE_INSTANCE_ID] = f"{server}-{replica}"
    provider = TracerProvider(resource=Resource.create(defaults))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def _http_headers(ctx: ServerRequestContext[Any, Any]) -> Mapping[str, str] | None:
    headers = getattr(ctx.request, "headers", None)
    return headers if isinstance(headers, Mapping) else None


async def continue_gateway_trace(
    ctx: ServerRequestContext[Any, Any], call_next: CallNext
) -> HandlerResult:
    """Make the HTTP request's ``traceparent`` the current context for the rest of the chain."""
    headers = _http_headers(ctx)
    if headers is None:
        return await call_next(ctx)
    token = otel_context.attach(propagate.extract(headers))
    try:
        return await call_next(ctx)
    finally:
        otel_context.detach(token)


def _tool_name(ctx: ServerRequestContext[Any, Any]) -> str | None:
    name = ctx.params.get("name") if ctx.params else None
    return name if isinstance(name, str) else None


async def tool_call_spans(
    ctx: ServerRequestContext[Any, Any], call_next: CallNext
) -> HandlerResult:
    """Label the request's span with its method; give every tool call a span of its own."""
    trace.get_current_span().set_attribute(METHOD_ATTRIBUTE, ctx.method)
    tool = _tool_name(ctx)
    if ctx.method != TOOL_CALL or tool is None:
        return await call_next(ctx)
    trace.get_current_span().set_attribute(TOOL_ATTRIBUTE, tool)
    attributes = {METHOD_ATTRIBUTE: ctx.method, TOOL_ATTRIBUTE: tool}
    with _tracer.start_as_current_span(f"tool {tool}", attributes=attributes):
        return await call_next(ctx)
