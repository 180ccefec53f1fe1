"""Issue 9's settings edge: each case once ended in a traceback, a silent guess, a plan the
cloud would refuse, or an unclear message; each now ends in one message naming file and key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from stacks import SettingsError, load_settings
from stacks.stack_file import STACK_FILE_VARIABLE, read_stack_config
from tests.stacks.stack_config import raw_config, structured, with_value


def error_for(config: dict[str, str], stack: str = "prod") -> str:
    with pytest.raises(SettingsError) as raised:
        load_settings(config, project="mcp-fleet", stack=stack)
    return str(raised.value)


def with_server_change(index: int, **changes: Any) -> dict[str, str]:
    servers = structured("prod", "mcp-fleet:servers")
    servers[index].update(changes)
    return with_value("prod", "mcp-fleet:servers", servers)


def with_nested(key: str, **changes: Any) -> dict[str, str]:
    value = structured("prod", key)
    value.update(changes)
    return with_value("prod", key, value)


# --- the stack file itself ---


def test_malformed_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text("config:\n  mcp-fleet:environment: [prod\n")
    with pytest.raises(SettingsError, match=rf"^{path}: not valid YAML: line 3, column 1: "):
        read_stack_config(path, project="mcp-fleet")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- config\n", "a stack file is a YAML mapping with a config: key, not a list"),
        ("just words\n", "a stack file is a YAML mapping with a config: key, not a str"),
        ("config: [a, b]\n", "config: must be a mapping of settings"),
        ("config: 5\n", "config: must be a mapping of settings"),
    ],
)
def test_a_stack_file_of_the_wrong_shape_is_named(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(text)
    with pytest.raises(SettingsError) as raised:
        read_stack_config(path, project="mcp-fleet")
    assert str(raised.value).startswith(f"{path}: ")
    assert expected in str(raised.value)


def test_a_duplicated_yaml_key_is_refused_not_silently_taken(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text("config:\n  aws:region: eu-west-1\n  aws:region: us-east-1\n")
    with pytest.raises(SettingsError) as raised:
        read_stack_config(path, project="mcp-fleet")
    assert str(raised.value) == (
        f"{path}: not valid YAML: line 3, column 3: key 'aws:region' appears twice "
        "(lines 2 and 3); keep one"
    )


def test_a_config_file_is_named_instead_of_the_default_stack_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(STACK_FILE_VARIABLE, "review/trial.yaml")
    message = error_for(with_server_change(0, peakRps=-1))
    assert message.startswith("review/trial.yaml: mcp-fleet:servers[0].peakRps: ")
    assert "Pulumi.prod.yaml" not in message


# --- numbers: finite, bounded, and not booleans ---


@pytest.mark.parametrize("value", ["Infinity", "NaN", "-Infinity", "1e999"])
def test_a_non_finite_number_is_refused(value: str) -> None:
    config = raw_config("prod")
    config["mcp-fleet:servers"] = config["mcp-fleet:servers"].replace(
        '"peakRps": 400', f'"peakRps": {value}'
    )
    message = error_for(config)
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:servers[0].peakRps: ")
    assert "finite number" in message or "less than or equal to" in message


def test_true_is_not_a_number() -> None:
    message = error_for(with_server_change(0, peakRps=True))
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:servers[0].peakRps: ")
    assert "Input should be a valid number (got True)" in message


def test_a_whole_number_setting_refuses_true_and_fractions() -> None:
    assert "(got True)" in error_for(with_value("prod", "mcp-fleet:fleet", {"minReplicas": True}))
    assert "(got 2.5)" in error_for(with_value("prod", "mcp-fleet:fleet", {"minReplicas": 2.5}))


def test_a_flag_refuses_numbers_and_words() -> None:
    settings = {"deletionProtection": 1}
    message = error_for(with_value("prod", "mcp-fleet:loadBalancer", settings))
    assert "mcp-fleet:loadBalancer.deletionProtection: Input should be a valid boolean" in message


def test_an_absurd_peak_is_refused_before_any_arithmetic() -> None:
    message = error_for(with_server_change(0, peakRps=1e12))
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:servers[0].peakRps: ")
    assert "less than or equal to 1000000" in message


def test_replica_bounds_fit_kubernetes_int32() -> None:
    message = error_for(with_server_change(0, maxReplicas=2**31))
    assert "mcp-fleet:servers[0].maxReplicas: Input should be less than or equal to 2147483647" in (
        message
    )


# --- names and addresses AWS would refuse ---


def test_an_invalid_cidr_is_refused_at_the_edge() -> None:
    message = error_for(with_nested("mcp-fleet:network", ingressCidrs=["10.0.0.0/33"]))
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:network.ingressCidrs[0]: ")
    assert "'10.0.0.0/33' is not a CIDR block" in message


def test_a_cidr_with_host_bits_set_is_refused() -> None:
    message = error_for(with_nested("mcp-fleet:network", ingressCidrs=["203.0.113.7/24"]))
    assert "has host bits set" in message and "like 203.0.113.0/24" in message


def test_an_unknown_region_is_refused_with_the_nearest_names() -> None:
    message = error_for(with_value("prod", "aws:region", "eu-west-9"))
    assert message.startswith("Pulumi.prod.yaml: aws:region: 'eu-west-9' is not an AWS region")
    assert "did you mean eu-west-3 or eu-west-2 or eu-west-1?" in message


def test_a_replica_region_equal_to_the_primary_is_refused() -> None:
    message = error_for(with_nested("mcp-fleet:backups", replicaRegion="eu-west-1"))
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:backups.replicaRegion: eu-west-1 is ")
    assert "the stack's own region" in message


def test_an_unknown_replica_region_is_refused() -> None:
    message = error_for(with_nested("mcp-fleet:backups", replicaRegion="eu-middle-1"))
    assert "mcp-fleet:backups.replicaRegion: 'eu-middle-1' is not an AWS region" in message


def test_duplicate_subnets_are_refused() -> None:
    subnets = ["subnet-0a11aa11aa11aa111", "subnet-0a11aa11aa11aa111"]
    message = error_for(with_nested("mcp-fleet:network", publicSubnetIds=subnets))
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:network.publicSubnetIds[1]: ")
    assert "listed twice" in message and "two different zones" in message


def test_a_tls_policy_that_does_not_exist_is_refused() -> None:
    settings = {"sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2099-01"}
    message = error_for(with_value("prod", "mcp-fleet:loadBalancer", settings))
    assert "mcp-fleet:loadBalancer.sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2099-01' is not an " in (
        message
    )
    assert "did you mean ELBSecurityPolicy-TLS13-1-2-2021-06?" in message


@pytest.mark.parametrize("name", ["platform prod", "-platform", "p" * 101, "plat.form"])
def test_an_eks_cluster_name_aws_would_refuse(name: str) -> None:
    message = error_for(with_nested("mcp-fleet:cluster", name=name))
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:cluster.name: ")
    assert "1-100 letters, digits, hyphens and underscores" in message


def test_a_certificate_from_another_region_is_refused() -> None:
    network = structured("prod", "mcp-fleet:network")
    arn = network["certificateArn"].replace("eu-west-1", "us-east-1")
    message = error_for(with_nested("mcp-fleet:network", certificateArn=arn))
    assert "mcp-fleet:network.certificateArn: the certificate is in us-east-1" in message


def test_an_arn_from_another_partition_is_refused() -> None:
    cluster = structured("prod", "mcp-fleet:cluster")
    arn = cluster["oidcProviderArn"].replace("arn:aws:", "arn:aws-cn:")
    message = error_for(with_nested("mcp-fleet:cluster", oidcProviderArn=arn))
    assert "mcp-fleet:cluster.oidcProviderArn: the ARN is in partition 'aws-cn'" in message


# --- clear messages ---


def test_duplicate_server_names_name_the_key_and_dump_nothing() -> None:
    message = error_for(with_server_change(1, name="github"))
    assert message == (
        "Pulumi.prod.yaml: mcp-fleet:servers[1].name: servers[0] is already named 'github'; "
        "two servers are named 'github'; give one a distinct name (set name: to a DNS label, "
        "like github-2)"
    )


def test_min_above_max_replicas_says_only_that() -> None:
    message = error_for(with_server_change(0, minReplicas=6, maxReplicas=3))
    assert message == (
        "Pulumi.prod.yaml: mcp-fleet:servers[0]: minReplicas (6) is above maxReplicas (3); "
        "raise maxReplicas or lower minReplicas"
    )


@pytest.mark.parametrize("tenant", ["Storefront", "störefront", "store_front", "t" * 31])
def test_a_tenant_must_be_a_lowercase_ascii_slug(tenant: str) -> None:
    message = error_for(with_server_change(0, tenant=tenant))
    assert message.startswith("Pulumi.prod.yaml: mcp-fleet:servers[0].tenant: ")
    assert "lowercase ASCII, at most 30" in message


def test_a_long_wrong_value_is_shortened_in_the_message() -> None:
    message = error_for(with_nested("mcp-fleet:network", vpcId="vpc-" + "x" * 500))
    assert len(message) < 400 and "...')" not in message and "..." in message


def test_every_region_botocore_knows_passes_the_region_shape() -> None:
    from stacks.aws_identifiers import regions_by_partition
    from stacks.operations_settings import REGION

    regions = [region for listed in regions_by_partition().values() for region in listed]
    assert len(regions) > 30
    assert [region for region in regions if not re.match(REGION, region)] == []
