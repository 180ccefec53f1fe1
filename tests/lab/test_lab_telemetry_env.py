"""The OTEL_* environment `lab up --otlp-endpoint` gives the reference servers."""

from __future__ import annotations

import pytest

from lab.errors import LabError
from lab.telemetry import server_telemetry_env
from telemetry.attributes import ENVIRONMENT


def test_without_an_endpoint_the_servers_get_no_otel_variables() -> None:
    assert server_telemetry_env(None) == {}


def test_an_endpoint_gives_the_clusters_variables_pointed_locally() -> None:
    env = server_telemetry_env("http://127.0.0.1:4318/")
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert env["OTEL_PROPAGATORS"] == "tracecontext"
    assert env["OTEL_TRACES_SAMPLER"] == "parentbased_always_on"
    assert env["OTEL_RESOURCE_ATTRIBUTES"] == f"{ENVIRONMENT}=lab"
    assert int(env["OTEL_BSP_SCHEDULE_DELAY"]) < 5000  # quicker than the SDK's 5 s default


@pytest.mark.parametrize("endpoint", ["localhost:4318", "grpc://127.0.0.1:4317", "http://"])
def test_an_endpoint_that_is_not_an_http_url_is_refused(endpoint: str) -> None:
    with pytest.raises(LabError, match=r"--otlp-endpoint .*: use the OTLP/HTTP base URL"):
        server_telemetry_env(endpoint)
