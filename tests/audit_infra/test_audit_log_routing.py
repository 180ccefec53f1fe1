"""The rendered Fluent Bit config routes the gateway namespace's lines into the audit group.

FleetLogs is rendered under Pulumi's mocks from hand-made args; the add-on's configuration
value is read back as the add-on receives it, its extra Fluent Bit file parsed section by
section, and the output's ``Match_Regex`` run against the tags the add-on's tail input gives
real container log files.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from components.log_collection import FleetLogs, FleetLogsArgs, GatewayLogs
from components.log_routing import AUDIT_FILE, LogRoute, audit_route
from tests.audit_infra.built import TAGS
from tests.audit_infra.mocks import ACCOUNT, REGION, render

AUDIT_GROUP = "/mcp-fleet-prod/audit"
OIDC = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.{REGION}.amazonaws.com/id/ABC123"


def addon_config(route: LogRoute | None) -> dict[str, Any]:
    args = FleetLogsArgs(
        name_prefix="mcp-fleet-prod",
        title="mcp-fleet prod",
        cluster_name="fleet-prod",
        oidc_provider_arn=OIDC,
        region=REGION,
        retention_days=365,
        key_deletion_window_days=30,
        tags=TAGS,
        gateway=GatewayLogs("prod"),
        routes=() if route is None else (route,),
    )
    mocks = render(lambda: FleetLogs("logs", args))
    (addon,) = mocks.of_type("aws:eks/addon:Addon")
    config: dict[str, Any] = json.loads(addon["configurationValues"])
    return config


def sections(text: str) -> list[tuple[str, dict[str, str]]]:
    """Fluent Bit's classic format: ``[SECTION]`` then ``key value`` lines."""
    parsed: list[tuple[str, dict[str, str]]] = []
    for line in text.splitlines():
        if line.startswith("["):
            parsed.append((line.strip("[] "), {}))
        elif line.strip():
            key, value = line.split(None, 1)
            parsed[-1][1][key] = value.strip()
    return parsed


@pytest.fixture
def audit_output() -> dict[str, str]:
    config = addon_config(audit_route(AUDIT_GROUP))
    extra = config["containerLogs"]["fluentBit"]["config"]["extraFiles"]
    assert list(extra) == [AUDIT_FILE], "only an added file: the add-on's own files stay"
    ((kind, output),) = sections(extra[AUDIT_FILE])
    assert kind == "OUTPUT"
    return output


def test_the_output_sends_only_the_gateways_own_line_to_the_encrypted_group(
    audit_output: dict[str, str],
) -> None:
    assert audit_output == {
        "Name": "cloudwatch_logs",
        "Match_Regex": r"^application\.var\.log\.containers\.[^_]+_mcp-gateway_.+$",
        "region": "${AWS_REGION}",
        "log_group_name": AUDIT_GROUP,
        "log_stream_prefix": "${HOST_NAME}-",
        "log_key": "log",
        "auto_create_group": "false",
        "Retry_Limit": "False",
        "extra_user_agent": "mcp-fleet-audit",
    }


@pytest.mark.parametrize(
    ("log_file", "routed"),
    [
        ("gateway-7d9f8b6c4-x2x5z_mcp-gateway_haproxy-0123456789abcdef.log", True),
        ("gateway-7d9f8b6c4-q8w2k_mcp-gateway_config-reloader-fedcba9876543210.log", True),
        ("github-5c7d9-abcde_acme_github-0123456789abcdef.log", False),
        ("gateway-x_mcp-gateway-canary_haproxy-0123.log", False),
        ("mcp-gateway-x_acme_mcp-gateway-0123.log", False),
    ],
)
def test_the_match_selects_the_gateway_namespace_by_the_tail_tag(
    audit_output: dict[str, str], log_file: str, routed: bool
) -> None:
    tag = "application.var.log.containers." + log_file  # the tail input's Tag application.*
    assert bool(re.match(audit_output["Match_Regex"], tag)) is routed


def test_without_an_audit_group_container_logs_are_only_enabled() -> None:
    assert addon_config(None)["containerLogs"] == {"enabled": True}


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"log_group_name": AUDIT_GROUP, "namespace": "MCP_gateway"}, "is not a DNS label"),
        ({"log_group_name": "audit group?"}, "is not a log group name"),
    ],
)
def test_a_route_that_could_not_match_is_refused(values: dict[str, str], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        audit_route(**values)
