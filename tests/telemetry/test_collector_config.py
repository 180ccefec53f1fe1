"""The collector configuration renderer: every setting, the schema, the wiring, determinism."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import jsonschema
import pytest
import yaml

from telemetry import attributes
from telemetry.collector_config import (
    EMF_DIMENSION_SETS,
    CollectorConfigArgs,
    render,
    render_yaml,
)
from tests.telemetry.collector_schema import SCHEMA

ARGS = CollectorConfigArgs(
    environment="prod",
    cluster="fleet-prod",
    region="eu-west-1",
    metrics_namespace="MCPFleet",
    metrics_log_group="/mcp-fleet-prod/otel/metrics",
)


def rendered(args: CollectorConfigArgs = ARGS) -> dict[str, Any]:
    return yaml.safe_load(render_yaml(args))


def test_the_rendered_file_matches_the_collector_schema() -> None:
    jsonschema.validate(rendered(), SCHEMA)


def test_the_schema_refuses_a_misspelt_key() -> None:
    config = rendered()
    config["exporters"]["awsemf"]["dimension_rolup_option"] = "NoDimensionRollup"
    with pytest.raises(jsonschema.ValidationError, match="dimension_rolup_option"):
        jsonschema.validate(config, SCHEMA)


def test_every_pipeline_component_is_defined_and_every_defined_one_is_used() -> None:
    config = rendered()
    used: dict[str, set[str]] = {"receivers": set(), "processors": set(), "exporters": set()}
    for pipeline in config["service"]["pipelines"].values():
        for kind, names in used.items():
            names.update(pipeline.get(kind, []))
    for kind, names in used.items():
        assert names == set(config[kind]), kind
    assert set(config["service"]["extensions"]) == set(config["extensions"])


def test_traces_go_to_xray_and_metrics_to_emf_through_the_same_processors() -> None:
    pipelines = rendered()["service"]["pipelines"]
    assert set(pipelines) == {"traces", "metrics"}
    assert pipelines["traces"]["exporters"] == ["awsxray"]
    assert pipelines["metrics"]["exporters"] == ["awsemf"]
    for pipeline in pipelines.values():
        assert pipeline["receivers"] == ["otlp"]
        # memory_limiter first (refuse early), batch last (the collector's documented order)
        assert pipeline["processors"] == ["memory_limiter", "resource", "batch"]


def test_otlp_listens_on_grpc_and_http_on_the_pod_ip() -> None:
    config = rendered()
    protocols = config["receivers"]["otlp"]["protocols"]
    assert protocols == {
        "grpc": {"endpoint": "${env:POD_IP}:4317"},
        "http": {"endpoint": "${env:POD_IP}:4318"},
    }
    assert config["extensions"]["health_check"] == {"endpoint": "${env:POD_IP}:13133"}


def test_the_resource_processor_enforces_environment_and_cluster_and_defaults_tenant() -> None:
    actions = {
        a["key"]: (a["value"], a["action"])
        for a in rendered()["processors"]["resource"]["attributes"]
    }
    assert actions == {
        attributes.ENVIRONMENT: ("prod", "upsert"),
        attributes.CLUSTER: ("fleet-prod", "upsert"),
        attributes.TENANT: ("shared", "insert"),
    }


def test_memory_limiter_and_batch_settings() -> None:
    processors = rendered(replace(ARGS, memory_limit_percentage=75, batch_size=500))["processors"]
    assert processors["memory_limiter"] == {
        "check_interval": "1s",
        "limit_percentage": 75,
        "spike_limit_percentage": 20,
    }
    assert processors["batch"] == {
        "timeout": "5s",
        "send_batch_size": 500,
        "send_batch_max_size": 1000,
    }


def test_xray_indexes_tenant_and_environment_in_the_stacks_region() -> None:
    assert rendered()["exporters"]["awsxray"] == {
        "region": "eu-west-1",
        "indexed_attributes": ["tenant", "deployment.environment.name"],
    }


def test_emf_publishes_tenant_and_server_dimensions_from_resource_attributes() -> None:
    emf = rendered()["exporters"]["awsemf"]
    assert emf["namespace"] == "MCPFleet"
    assert emf["log_group_name"] == "/mcp-fleet-prod/otel/metrics"
    assert emf["log_stream_name"] == "fleet-prod"
    assert emf["region"] == "eu-west-1"
    assert emf["dimension_rollup_option"] == "NoDimensionRollup"
    assert emf["resource_to_telemetry_conversion"] == {"enabled": True}
    (declaration,) = emf["metric_declarations"]
    assert declaration["metric_name_selectors"] == [".*"]
    assert declaration["dimensions"] == [
        ["deployment.environment.name", "tenant", "service.name"],
        ["deployment.environment.name", "tenant"],
        ["deployment.environment.name", "service.name"],
    ]
    assert [tuple(d) for d in declaration["dimensions"]] == list(EMF_DIMENSION_SETS)


def test_rendering_is_deterministic_and_yaml_round_trips() -> None:
    assert render_yaml(ARGS) == render_yaml(replace(ARGS))
    assert yaml.safe_load(render_yaml(ARGS)) == render(ARGS)
    assert render_yaml(ARGS) != render_yaml(replace(ARGS, environment="staging"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"metrics_namespace": "AWS/Custom"}, "metrics_namespace 'AWS/Custom'"),
        ({"metrics_namespace": "a:b"}, "no ':'"),
        ({"metrics_log_group": "bad group"}, "metrics_log_group 'bad group'"),
        ({"memory_spike_percentage": 90}, "spike (90) < limit (80)"),
        ({"memory_limit_percentage": 101}, "<= 100"),
        ({"batch_size": 0}, "batch_size must be 1 or more"),
        ({"environment": ""}, "environment is empty"),
    ],
)
def test_a_wrong_value_is_named_before_anything_renders(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match="collector configuration: .*" + _escaped(message)):
        render(replace(ARGS, **change))


def _escaped(text: str) -> str:
    import re

    return re.escape(text)
