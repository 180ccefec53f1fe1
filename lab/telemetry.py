"""The ``OTEL_*`` environment the lab gives its reference servers: the cluster's, pointed locally.

In the cluster ``telemetry.otel_env`` gives every server the collector's endpoint, W3C
propagation and a parent-based sampler. The lab sets the same variables, with two
differences: the endpoint is whatever ``--otlp-endpoint`` names (OTLP over HTTP, the protocol
the reference server exports), and the batch processor flushes every 200 ms instead of 5 s,
so a test waiting for a span is not waiting for a timer. Without an endpoint the servers get
no ``OTEL_*`` variables at all and export nothing.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from lab.errors import LabError
from telemetry.attributes import ENVIRONMENT

LAB_ENVIRONMENT = "lab"
BATCH_DELAY_MS = 200


def check_endpoint(endpoint: str) -> str:
    """An ``http(s)://host:port`` base URL, or a LabError that says what would be right."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LabError(
            f"--otlp-endpoint {endpoint!r}: use the OTLP/HTTP base URL, like "
            "http://127.0.0.1:4318 (spans go to <URL>/v1/traces)"
        )
    return endpoint.rstrip("/")


def server_telemetry_env(endpoint: str | None) -> dict[str, str]:
    """The variables every reference server of the lab starts with (empty: no export)."""
    if endpoint is None:
        return {}
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": check_endpoint(endpoint),
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_PROPAGATORS": "tracecontext",
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_TRACES_SAMPLER": "parentbased_always_on",
        "OTEL_RESOURCE_ATTRIBUTES": f"{ENVIRONMENT}={LAB_ENVIRONMENT}",
        "OTEL_BSP_SCHEDULE_DELAY": str(BATCH_DELAY_MS),
    }
