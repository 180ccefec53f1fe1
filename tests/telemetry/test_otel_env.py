"""The servers' OTEL_* environment: the variables, their encoding, and the refusals."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telemetry.otel_env import (
    ServerTelemetry,
    collector_endpoint,
    container_env,
    otel_environment,
    resource_attributes,
)

ENDPOINT = "http://otel-collector.observability.svc.cluster.local:4317"
SERVER = ServerTelemetry(
    service_name="github",
    tenant="acme",
    environment="prod",
    version="1.4.2",
    endpoint=ENDPOINT,
)


def test_the_collector_endpoint_is_the_service_dns_name_and_the_protocols_port() -> None:
    assert collector_endpoint("otel-collector", "observability") == ENDPOINT
    assert collector_endpoint("otel-collector", "observability", "http/protobuf") == (
        "http://otel-collector.observability.svc.cluster.local:4318"
    )
    with pytest.raises(ValueError, match="OTLP protocol 'http/json'"):
        collector_endpoint("otel-collector", "observability", "http/json")


def test_every_variable_a_server_gets() -> None:
    assert otel_environment(SERVER) == {
        "OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        "OTEL_LOGS_EXPORTER": "none",
        "OTEL_METRICS_EXPORTER": "otlp",
        "OTEL_PROPAGATORS": "tracecontext",
        "OTEL_RESOURCE_ATTRIBUTES": (
            "service.version=1.4.2,deployment.environment.name=prod,tenant=acme"
        ),
        "OTEL_SERVICE_NAME": "github",
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "1",
    }


def test_the_variables_are_sorted_and_the_container_list_matches() -> None:
    variables = otel_environment(replace(SERVER, sample_ratio=0.25))
    assert list(variables) == sorted(variables)
    assert variables["OTEL_TRACES_SAMPLER_ARG"] == "0.25"
    assert container_env(SERVER) == [
        {"name": k, "value": v} for k, v in otel_environment(SERVER).items()
    ]


def test_http_protobuf_goes_to_the_http_port() -> None:
    server = replace(
        SERVER,
        protocol="http/protobuf",
        endpoint=collector_endpoint("otel-collector", "observability", "http/protobuf"),
    )
    assert otel_environment(server)["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"


def _parse(header: str) -> dict[str, str]:
    """How the SDKs read OTEL_RESOURCE_ATTRIBUTES: split on ',' then the first '=', unquote."""
    pairs = (item.split("=", 1) for item in header.split(","))
    return {key: unquote(value) for key, value in pairs}


def test_separators_inside_a_value_are_percent_encoded() -> None:
    header = resource_attributes(replace(SERVER, version="1.0,beta=2 rc"))
    assert "1.0%2Cbeta%3D2%20rc" in header
    assert _parse(header)["service.version"] == "1.0,beta=2 rc"


@given(
    version=st.text(min_size=1, max_size=20),
    tenant=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20),
)
def test_any_value_reads_back_unchanged(version: str, tenant: str) -> None:
    parsed = _parse(resource_attributes(replace(SERVER, version=version, tenant=tenant)))
    assert parsed == {
        "service.version": version,
        "deployment.environment.name": "prod",
        "tenant": tenant,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"service_name": ""}, "service_name is empty"),
        ({"tenant": ""}, "tenant is empty"),
        ({"protocol": "http/json"}, "protocol 'http/json'"),
        ({"endpoint": "otel-collector:4317"}, "use http\\(s\\)://host:port"),
        ({"endpoint": "http://otel-collector"}, "use http\\(s\\)://host:port"),
        ({"endpoint": "http://otel-collector:4318"}, "port 4318 does not match protocol grpc"),
        ({"sample_ratio": 1.5}, "sample_ratio 1.5"),
    ],
)
def test_a_wrong_value_is_refused_with_its_name(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match="OTEL environment for .*" + message):
        otel_environment(replace(SERVER, **change))
