"""A JSON Schema for the parts of the collector configuration this fleet renders.

No collector with the ``awsxray`` and ``awsemf`` exporters installs from the registries this
project can use, and none of them ships the collector's configuration schema (decision
0005), so this schema is written from the component READMEs of opentelemetry-collector
(otlp receiver, batch, memory_limiter) and opentelemetry-collector-contrib (resource
processor, health_check, awsxray, awsemf) at v0.13x. ``additionalProperties: false`` on
every component: a misspelt key (which the collector refuses at start) fails here too.
"""

from __future__ import annotations

from typing import Any

_DURATION = {"type": "string", "pattern": r"^[0-9]+(ms|s|m|h)$"}
_ENDPOINT = {"type": "string", "pattern": r"^(\$\{env:[A-Z_]+\}|[^:$]+):[0-9]{1,5}$"}
"""``host:port``, the host possibly the collector's ``${env:NAME}`` expansion."""
_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}


def _closed(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required or [],
        "additionalProperties": False,
    }


_OTLP = _closed(
    {
        "protocols": _closed(
            {"grpc": _closed({"endpoint": _ENDPOINT}), "http": _closed({"endpoint": _ENDPOINT})}
        )
    },
    ["protocols"],
)
_MEMORY_LIMITER = _closed(
    {
        "check_interval": _DURATION,
        "limit_mib": {"type": "integer", "minimum": 1},
        "spike_limit_mib": {"type": "integer", "minimum": 1},
        "limit_percentage": {"type": "integer", "minimum": 1, "maximum": 100},
        "spike_limit_percentage": {"type": "integer", "minimum": 1, "maximum": 100},
    },
    ["check_interval"],
)
_BATCH = _closed(
    {
        "timeout": _DURATION,
        "send_batch_size": {"type": "integer", "minimum": 0},
        "send_batch_max_size": {"type": "integer", "minimum": 0},
    }
)
_RESOURCE = _closed(
    {
        "attributes": {
            "type": "array",
            "minItems": 1,
            "items": _closed(
                {
                    "key": {"type": "string", "minLength": 1},
                    "value": {"type": ["string", "number", "boolean"]},
                    "from_attribute": {"type": "string"},
                    "action": {"enum": ["insert", "update", "upsert", "delete", "hash", "extract"]},
                },
                ["key", "action"],
            ),
        }
    },
    ["attributes"],
)
_AWSXRAY = _closed(
    {
        "region": {"type": "string"},
        "endpoint": {"type": "string"},
        "role_arn": {"type": "string"},
        "indexed_attributes": _STRINGS,
        "index_all_attributes": {"type": "boolean"},
        "local_mode": {"type": "boolean"},
        "num_workers": {"type": "integer"},
        "request_timeout_seconds": {"type": "integer"},
        "max_retries": {"type": "integer"},
    }
)
_AWSEMF = _closed(
    {
        "region": {"type": "string"},
        "namespace": {"type": "string", "minLength": 1},
        "log_group_name": {"type": "string", "minLength": 1},
        "log_stream_name": {"type": "string", "minLength": 1},
        "log_retention": {"type": "integer"},
        "role_arn": {"type": "string"},
        "dimension_rollup_option": {
            "enum": [
                "NoDimensionRollup",
                "SingleDimensionRollupOnly",
                "ZeroAndSingleDimensionRollup",
            ]
        },
        "resource_to_telemetry_conversion": _closed({"enabled": {"type": "boolean"}}),
        "output_destination": {"enum": ["cloudwatch", "stdout"]},
        "metric_declarations": {
            "type": "array",
            "items": _closed(
                {
                    "dimensions": {
                        "type": "array",
                        "items": {**_STRINGS, "minItems": 1, "maxItems": 30},
                    },
                    "metric_name_selectors": {**_STRINGS, "minItems": 1},
                    "label_matchers": {"type": "array"},
                },
                ["metric_name_selectors"],
            ),
        },
    },
    ["namespace", "log_group_name"],
)
_PIPELINE = _closed(
    {"receivers": _STRINGS, "processors": _STRINGS, "exporters": _STRINGS},
    ["receivers", "exporters"],
)

SCHEMA: dict[str, Any] = _closed(
    {
        "extensions": _closed({"health_check": _closed({"endpoint": _ENDPOINT})}),
        "receivers": _closed({"otlp": _OTLP}),
        "processors": _closed(
            {"memory_limiter": _MEMORY_LIMITER, "batch": _BATCH, "resource": _RESOURCE}
        ),
        "exporters": _closed({"awsxray": _AWSXRAY, "awsemf": _AWSEMF}),
        "service": _closed(
            {
                "extensions": _STRINGS,
                "pipelines": {
                    "type": "object",
                    "propertyNames": {"pattern": r"^(traces|metrics|logs)(/[A-Za-z0-9_-]+)?$"},
                    "additionalProperties": _PIPELINE,
                },
                "telemetry": {"type": "object"},
            },
            ["pipelines"],
        ),
    },
    ["receivers", "exporters", "service"],
)
