"""Every quota and limit the plan can reach is refused with its name and the way out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks import SettingsError, load_settings
from stacks.quotas import QUOTAS
from tests.stacks.stack_config import structured, with_value


def error_for(config: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as raised:
        load_settings(config, project="mcp-fleet", stack="prod")
    return str(raised.value)


def servers(count: int, **fields: Any) -> list[dict[str, Any]]:
    return [
        {"catalog": "github", "name": f"github-{i}", "tenant": "storefront", "peakRps": 1, **fields}
        for i in range(count)
    ]


def with_nested(key: str, **changes: Any) -> dict[str, str]:
    value = structured("prod", key)
    value.update(changes)
    return with_value("prod", key, value)


def test_more_servers_than_target_groups_per_alb() -> None:
    message = error_for(with_value("prod", "mcp-fleet:servers", servers(101, maxReplicas=2)))
    assert message == (
        "Pulumi.prod.yaml: mcp-fleet:servers: this plan needs 101 target groups, over the "
        "Target Groups per Application Load Balancer limit of 100 (AWS ELB quotas (not "
        "adjustable)); split the fleet across two stacks (each gets its own load balancer)"
    )


def roomy_tenants(config: dict[str, str]) -> dict[str, str]:
    """Every tenant's quota raised, so only the AWS limit under test can refuse the plan."""
    tenants = structured("prod", "mcp-fleet:tenants")
    for tenant in tenants:
        tenant["quota"] = {"cpuCores": 10_000, "memoryMib": 10**7, "pods": 10**4, "services": 999}
    return {**config, "mcp-fleet:tenants": json.dumps(tenants)}


def test_a_hundred_servers_fit_one_load_balancer() -> None:
    config = roomy_tenants(with_value("prod", "mcp-fleet:servers", servers(100, maxReplicas=2)))
    assert len(load_settings(config, project="mcp-fleet", stack="prod").servers) == 100


def test_more_targets_than_one_alb_takes() -> None:
    message = error_for(with_value("prod", "mcp-fleet:servers", servers(6, maxReplicas=200)))
    assert "mcp-fleet:servers: this plan needs 1200 targets (replicas at peak)" in message
    assert "Targets per Application Load Balancer limit of 1000" in message
    assert "request a quota increase in Service Quotas" in message


def test_more_replicas_than_one_target_group_takes() -> None:
    message = error_for(with_value("prod", "mcp-fleet:servers", servers(1, peakRps=500_000)))
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:servers[0]: this plan needs ")
    assert "Targets per Target Group per Region" in message and "lower maxReplicas" in message


def test_a_host_name_longer_than_an_alb_condition_takes() -> None:
    domain = ".".join(["a" * 60, "b" * 60, "example"])
    message = error_for(with_nested("mcp-fleet:network", domain=domain))
    assert "mcp-fleet:servers[0].name: this plan needs 136 characters" in message
    assert "ALB host-header condition value limit of 128" in message


def test_more_ingress_cidrs_than_a_security_group_holds() -> None:
    cidrs = [f"198.51.{i}.0/24" for i in range(31)]
    message = error_for(with_nested("mcp-fleet:network", ingressCidrs=cidrs))
    assert "mcp-fleet:network.ingressCidrs: this plan needs 62 IPv4 inbound rules" in message
    assert "merge network.ingressCidrs into wider blocks" in message


def test_more_egress_rules_than_a_security_group_holds() -> None:
    subnets = [f"subnet-{i:017x}" for i in range(61)]
    message = error_for(with_nested("mcp-fleet:network", privateSubnetIds=subnets))
    assert "mcp-fleet:network.privateSubnetIds: this plan needs" in message
    assert "Outbound rules per security group" in message


def test_a_replica_larger_than_a_node_is_refused() -> None:
    message = error_for(with_value("prod", "mcp-fleet:fleet", {"coresPerNode": 0.25}))
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:servers[0]: a 'github' replica ")
    assert "no node could run it" in message


def test_more_nodes_than_a_kubernetes_cluster_runs() -> None:
    fleet = {"coresPerNode": 0.5}
    config = with_value("prod", "mcp-fleet:fleet", fleet)
    config.update(
        with_value("prod", "mcp-fleet:servers", servers(1, peakRps=1_000_000, maxReplicas=10))
    )
    message = error_for(config)
    assert "this plan needs 24000 nodes at peak" in message
    assert "nodes per Kubernetes cluster limit of 5000" in message


def test_every_quota_names_its_source_and_a_way_out() -> None:
    for quota in QUOTAS:
        assert quota.limit > 0 and quota.source and quota.way_out
