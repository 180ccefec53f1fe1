"""Every quota and limit the plan can reach is refused with its name and the way out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks import SettingsError, load_settings
from stacks.quotas import QUOTAS, gateway_hosts, gateway_peak_replicas, gateway_replicas
from tests.stacks.stack_config import raw_config, structured, with_value


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


def roomy_tenants(config: dict[str, str]) -> dict[str, str]:
    """Every tenant's quota raised, so only the AWS limit under test can refuse the plan."""
    tenants = structured("prod", "mcp-fleet:tenants")
    for tenant in tenants:
        tenant["quota"] = {"cpuCores": 10_000, "memoryMib": 10**7, "pods": 10**4, "services": 999}
    return {**config, "mcp-fleet:tenants": json.dumps(tenants)}


def test_three_hundred_servers_fit_one_load_balancer_behind_the_gateway() -> None:
    """Issue 15's 300-server stack: the ALB holds one target group and one rule whatever the
    fleet's size (issue 11), so only the cluster and the tenants' quotas grow with it."""
    config = roomy_tenants(with_value("prod", "mcp-fleet:servers", servers(300, maxReplicas=4)))
    assert len(load_settings(config, project="mcp-fleet", stack="prod").servers) == 300


def test_server_replicas_are_not_alb_targets() -> None:
    """1,200 server pods at peak: over the ALB's 1,000 targets if servers were targets."""
    config = roomy_tenants(with_value("prod", "mcp-fleet:servers", servers(6, maxReplicas=200)))
    assert len(load_settings(config, project="mcp-fleet", stack="prod").servers) == 6


def test_the_gateways_pods_at_peak_are_the_targets() -> None:
    """The count checked is the autoscaler maximum Platform gives the gateway."""
    from components.platform_args import gateway_args

    settings = load_settings(raw_config("prod"), project="mcp-fleet", stack="prod")
    made = gateway_args(settings, ["10.0.0.0/24"])
    assert gateway_replicas(settings.fleet) == made.min_replicas
    assert gateway_peak_replicas(settings, settings.servers) == made.max_replicas  # type: ignore[arg-type]
    assert gateway_hosts(settings.network) == (settings.network.domain,)


def test_more_gateway_replicas_at_peak_than_a_target_group_takes() -> None:
    """The gateway's autoscaler grows with the fleet's peak: its pods are the ALB's targets."""
    config = roomy_tenants(with_value("prod", "mcp-fleet:servers", servers(2, peakRps=500_000)))
    message = error_for(config)
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:servers: this plan needs ")
    assert "targets (gateway replicas at peak), over the Targets per Target Group" in message
    assert "lower peakRps (the gateway scales with the fleet's peak)" in message


def test_a_gateway_host_name_longer_than_an_alb_condition_takes() -> None:
    domain = ".".join(["a" * 60, "b" * 60, "example"])
    message = error_for(with_nested("mcp-fleet:network", domain=domain))
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:network.domain: this plan needs 129")
    assert "ALB host-header condition value limit of 128" in message
    assert "shorten network.domain" in message


def test_more_ingress_cidrs_than_a_security_group_holds() -> None:
    cidrs = [f"198.51.{i}.0/24" for i in range(31)]
    message = error_for(with_nested("mcp-fleet:network", ingressCidrs=cidrs))
    assert "mcp-fleet:network.ingressCidrs: this plan needs 62 IPv4 inbound rules" in message
    assert "merge network.ingressCidrs into wider blocks" in message


def test_more_egress_rules_than_a_security_group_holds() -> None:
    subnets = [f"subnet-{i:017x}" for i in range(31)]
    message = error_for(with_nested("mcp-fleet:network", privateSubnetIds=subnets))
    assert "mcp-fleet:network.privateSubnetIds: this plan needs 62 outbound rules (the " in message
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
