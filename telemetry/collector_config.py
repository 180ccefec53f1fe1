"""The OpenTelemetry collector's configuration, rendered from a few typed values.

One pipeline per signal, each ``otlp -> memory_limiter -> resource -> batch -> AWS``:

- ``memory_limiter`` first, so a burst is refused at the receiver (clients retry) instead of
  the pod being killed for memory with everything it buffered;
- ``resource`` stamps the stack's environment and cluster over whatever a client claims, and
  gives untagged telemetry the ``shared`` tenant, so every metric has the dimensions the EMF
  declarations select on;
- ``batch`` last, as the collector's documentation orders it;
- traces to X-Ray (``awsxray``, tenant and environment indexed as annotations), metrics to
  CloudWatch through Embedded Metric Format (``awsemf``) with the tenant/server dimensions.

Listeners bind to the pod's own IP (``${env:POD_IP}``, from the downward API), not
``0.0.0.0``: the collector's own guidance since v0.104, and what the workload sets.
The rendering is deterministic (sorted keys), so a review diff shows only real changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from telemetry import attributes

OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
HEALTH_PORT = 13133
POD_IP = "${env:POD_IP}"
"""The collector expands this from its environment; the workload sets POD_IP (downward API)."""
UNKNOWN_TENANT = "shared"
"""What telemetry without a tenant attribute is counted as: the fleet's shared tenant."""

EMF_DIMENSION_SETS: tuple[tuple[str, ...], ...] = (
    (attributes.ENVIRONMENT, attributes.TENANT, attributes.SERVICE_NAME),
    (attributes.ENVIRONMENT, attributes.TENANT),
    (attributes.ENVIRONMENT, attributes.SERVICE_NAME),
)
"""Per server of a tenant, per tenant, per server: the three views dashboards and alarms read."""
XRAY_INDEXED: tuple[str, ...] = (attributes.TENANT, attributes.ENVIRONMENT)
"""Attributes X-Ray turns into annotations, so a trace search can filter on them."""

PIPELINE_PROCESSORS = ("memory_limiter", "resource", "batch")
_LOG_GROUP = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")
_NAMESPACE = re.compile(r"^[^:]{1,255}$")


@dataclass(frozen=True)
class CollectorConfigArgs:
    environment: str
    cluster: str
    region: str
    metrics_namespace: str
    """CloudWatch namespace of the EMF metrics, like ``MCPFleet``; never ``AWS/...``."""
    metrics_log_group: str
    """Where awsemf writes the EMF records, like ``/mcp-fleet-prod/otel/metrics``."""
    memory_limit_percentage: int = 80
    memory_spike_percentage: int = 20
    batch_timeout_seconds: int = 5
    batch_size: int = 1024

    def problems(self) -> list[str]:
        """Each wrong value, with what would be right; empty when the config can be rendered."""
        found = []
        for field in ("environment", "cluster", "region"):
            if not getattr(self, field):
                found.append(f"{field} is empty")
        if not _NAMESPACE.match(self.metrics_namespace) or self.metrics_namespace.startswith(
            "AWS/"
        ):
            found.append(
                f"metrics_namespace {self.metrics_namespace!r}: 1-255 characters, no ':', "
                "not starting with AWS/"
            )
        if not _LOG_GROUP.match(self.metrics_log_group):
            found.append(f"metrics_log_group {self.metrics_log_group!r}: 1-512 of [.-_/#A-Za-z0-9]")
        if not 0 < self.memory_spike_percentage < self.memory_limit_percentage <= 100:
            found.append(
                "memory percentages need 0 < spike "
                f"({self.memory_spike_percentage}) < limit ({self.memory_limit_percentage}) <= 100"
            )
        if self.batch_timeout_seconds < 1 or self.batch_size < 1:
            found.append("batch_timeout_seconds and batch_size must be 1 or more")
        return found


def _processors(args: CollectorConfigArgs) -> dict[str, Any]:
    return {
        "memory_limiter": {
            "check_interval": "1s",
            "limit_percentage": args.memory_limit_percentage,
            "spike_limit_percentage": args.memory_spike_percentage,
        },
        "resource": {
            "attributes": [
                {"key": attributes.ENVIRONMENT, "value": args.environment, "action": "upsert"},
                {"key": attributes.CLUSTER, "value": args.cluster, "action": "upsert"},
                {"key": attributes.TENANT, "value": UNKNOWN_TENANT, "action": "insert"},
            ]
        },
        "batch": {
            "timeout": f"{args.batch_timeout_seconds}s",
            "send_batch_size": args.batch_size,
            "send_batch_max_size": args.batch_size * 2,
        },
    }


def _exporters(args: CollectorConfigArgs) -> dict[str, Any]:
    return {
        "awsxray": {"region": args.region, "indexed_attributes": list(XRAY_INDEXED)},
        "awsemf": {
            "region": args.region,
            "namespace": args.metrics_namespace,
            "log_group_name": args.metrics_log_group,
            "log_stream_name": args.cluster,
            "dimension_rollup_option": "NoDimensionRollup",
            "resource_to_telemetry_conversion": {"enabled": True},
            "metric_declarations": [
                {
                    "dimensions": [list(dimensions) for dimensions in EMF_DIMENSION_SETS],
                    "metric_name_selectors": [".*"],
                }
            ],
        },
    }


def _pipeline(exporter: str) -> dict[str, list[str]]:
    return {"receivers": ["otlp"], "processors": list(PIPELINE_PROCESSORS), "exporters": [exporter]}


def render(args: CollectorConfigArgs) -> dict[str, Any]:
    """The configuration as data; ``ValueError`` naming every wrong value first."""
    problems = args.problems()
    if problems:
        raise ValueError("collector configuration: " + "; ".join(problems))
    return {
        "extensions": {"health_check": {"endpoint": f"{POD_IP}:{HEALTH_PORT}"}},
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": f"{POD_IP}:{OTLP_GRPC_PORT}"},
                    "http": {"endpoint": f"{POD_IP}:{OTLP_HTTP_PORT}"},
                }
            }
        },
        "processors": _processors(args),
        "exporters": _exporters(args),
        "service": {
            "extensions": ["health_check"],
            "pipelines": {"traces": _pipeline("awsxray"), "metrics": _pipeline("awsemf")},
            "telemetry": {"logs": {"level": "info", "encoding": "json"}},
        },
    }


def render_yaml(args: CollectorConfigArgs) -> str:
    """The configuration file: the same bytes for the same args, keys sorted."""
    return yaml.safe_dump(render(args), sort_keys=True, default_flow_style=False)
