"""The standard ``OTEL_*`` environment of a fleet server: one pure function, no SDK needed.

Every OpenTelemetry SDK reads these variables (the SDK environment specification), so a
server in any language reports to the cluster's collector with the fleet's resource
attributes without code of its own. Propagation is W3C ``tracecontext`` only: the gateway
starts or continues a W3C trace and passes ``traceparent``; ``baggage`` is left out so a
tenant's attributes are never forwarded to a remote server the fleet does not own.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from telemetry import attributes
from telemetry.collector_config import OTLP_GRPC_PORT, OTLP_HTTP_PORT

PROTOCOL_PORTS = {"grpc": OTLP_GRPC_PORT, "http/protobuf": OTLP_HTTP_PORT}
"""The two OTLP protocols the collector receives, and the port each arrives on."""
_ATTRIBUTE_SAFE = "-._~/:@"
"""Left as is in OTEL_RESOURCE_ATTRIBUTES; ``,``, ``=``, spaces and the rest are %-encoded."""


def collector_endpoint(service: str, namespace: str, protocol: str = "grpc") -> str:
    """``http://otel-collector.observability.svc.cluster.local:4317``: the collector Service.

    Plain HTTP inside the cluster: the collector's Service is reachable only from pods the
    NetworkPolicy admits, and traffic stays on the node network.
    """
    if protocol not in PROTOCOL_PORTS:
        raise ValueError(f"OTLP protocol {protocol!r}: use one of {sorted(PROTOCOL_PORTS)}")
    return f"http://{service}.{namespace}.svc.cluster.local:{PROTOCOL_PORTS[protocol]}"


@dataclass(frozen=True)
class ServerTelemetry:
    service_name: str
    """The catalog server's name: the X-Ray service and the EMF ``service.name`` dimension."""
    tenant: str
    environment: str
    version: str
    endpoint: str
    """The collector Service, from ``collector_endpoint``."""
    protocol: str = "grpc"
    sample_ratio: float = 1.0
    """Share of new traces sampled; a trace the gateway started is always continued."""

    def problems(self) -> list[str]:
        found = [
            f"{field} is empty"
            for field in ("service_name", "tenant", "environment", "version")
            if not getattr(self, field)
        ]
        if self.protocol not in PROTOCOL_PORTS:
            found.append(f"protocol {self.protocol!r}: use one of {sorted(PROTOCOL_PORTS)}")
        parts = urlsplit(self.endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.port is None:
            found.append(f"endpoint {self.endpoint!r}: use http(s)://host:port")
        elif self.protocol in PROTOCOL_PORTS and parts.port != PROTOCOL_PORTS[self.protocol]:
            found.append(
                f"endpoint port {parts.port} does not match protocol {self.protocol} "
                f"(port {PROTOCOL_PORTS[self.protocol]})"
            )
        if not 0.0 <= self.sample_ratio <= 1.0:
            found.append(f"sample_ratio {self.sample_ratio} is not between 0 and 1")
        return found


def resource_attributes(telemetry: ServerTelemetry) -> str:
    """``key=value`` pairs joined by ``,``, values percent-encoded as the SDK spec requires."""
    pairs = {
        attributes.SERVICE_VERSION: telemetry.version,
        attributes.ENVIRONMENT: telemetry.environment,
        attributes.TENANT: telemetry.tenant,
    }
    return ",".join(f"{key}={quote(value, safe=_ATTRIBUTE_SAFE)}" for key, value in pairs.items())


def otel_environment(telemetry: ServerTelemetry) -> dict[str, str]:
    """The variables, sorted by name; ``ValueError`` naming every wrong value first."""
    problems = telemetry.problems()
    if problems:
        raise ValueError(f"OTEL environment for {telemetry.service_name!r}: " + "; ".join(problems))
    variables = {
        "OTEL_SERVICE_NAME": telemetry.service_name,
        "OTEL_RESOURCE_ATTRIBUTES": resource_attributes(telemetry),
        "OTEL_EXPORTER_OTLP_ENDPOINT": telemetry.endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": telemetry.protocol,
        "OTEL_PROPAGATORS": "tracecontext",
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_METRICS_EXPORTER": "otlp",
        "OTEL_LOGS_EXPORTER": "none",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": f"{telemetry.sample_ratio:g}",
    }
    return dict(sorted(variables.items()))


def container_env(telemetry: ServerTelemetry) -> list[dict[str, str]]:
    """The same as a container's ``env`` list (``name``/``value``), ready for a pod spec."""
    return [{"name": name, "value": value} for name, value in otel_environment(telemetry).items()]
