"""TenantSettings at the settings edge, and the quota held against the capacity plan."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from stacks import load_settings
from stacks.errors import SettingsError
from stacks.tenant_settings import TenantSettings, check_quota_fits, check_unique_tenants
from tests.stacks.stack_config import raw_config
from tests.tenancy.tenants import tenant, tenant_document, workload


def refused(document: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        TenantSettings.model_validate(document)
    return str(caught.value)


def test_a_complete_tenant_reads_with_its_defaults() -> None:
    acme = tenant("acme")
    assert acme.namespace == "mcp-acme"
    assert acme.container_defaults.cpu_request_millicores == 100
    assert acme.identity.algorithm == "RS256"
    assert acme.rate_limit.window() == (100, 2)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"name": "Acme"}, "name"),
        ({"name": "acmé"}, "name"),
        ({"name": "a" * 31}, "name"),
        ({"owner": "not-an-address"}, "owner"),
        ({"logRetentionDays": 31}, "nearest allowed value is 30"),
        ({"monthlyBudgetUsd": 0}, "monthlyBudgetUsd"),
        ({"monthlyBudgetUsd": True}, "monthlyBudgetUsd"),
        ({"quota": {"cpuCores": 4, "memoryMib": 1024, "pods": 2.5, "services": 1}}, "pods"),
        ({"rateLimit": {"requestsPerSecond": 50, "burst": 10}}, "burst (10) is below"),
        ({"unknownKey": 1}, "unknownKey"),
        ({"rateLimit": {"requestsPerSecond": 1, "burst": 3601}}, "more than an hour"),
    ],
)
def test_wrong_values_are_refused_naming_the_key(override: dict[str, Any], expected: str) -> None:
    assert expected in refused({**tenant_document("acme"), **override})


@pytest.mark.parametrize(
    "identity",
    [
        {"issuer": "http://login.example.com/", "keyFiles": ["a.pem"]},
        {"issuer": "https://login.example.com/"},
        {"issuer": "https://login.example.com/", "keyFiles": ["a.pem"], "jwksUri": "https://x/j"},
        {"issuer": "https://login.example.com/", "keyFiles": ["../etc/passwd"]},
        {"issuer": "https://login.example.com/", "jwksUri": "http://x/jwks"},
        {"issuer": "https://login.example.com/", "keyFiles": ["a.pem"], "algorithm": "HS256"},
    ],
)
def test_identity_needs_https_and_exactly_one_public_key_source(identity: dict[str, Any]) -> None:
    refused(tenant_document("acme", identity=identity))


def test_defaults_above_limits_or_quota_are_refused() -> None:
    above_limit = {"cpuRequestMillicores": 600, "cpuLimitMillicores": 500}
    assert "above the default cpu limit" in refused(
        tenant_document("acme", containerDefaults=above_limit)
    )
    tiny = {"cpuCores": 0.05, "memoryMib": 1024, "pods": 4, "services": 1}
    assert "above the whole quota" in refused(tenant_document("acme", quota=tiny))


def test_rate_window_never_exceeds_the_sustained_rate() -> None:
    for rps, burst in [(1, 1), (3, 10), (50, 100), (7, 1000)]:
        limit = tenant("acme", rateLimit={"requestsPerSecond": rps, "burst": burst}).rate_limit
        requests, period = limit.window()
        assert requests == burst
        assert requests / period <= rps


def test_names_and_issuers_must_be_unique() -> None:
    check_unique_tenants([tenant("acme"), tenant("globex")])
    with pytest.raises(SettingsError, match="name must be unique; repeated: acme"):
        check_unique_tenants([tenant("acme"), tenant("acme")])
    shared = {"issuer": "https://login.acme.example.com/", "keyFiles": ["g.pem"]}
    with pytest.raises(SettingsError, match="issuer must be unique"):
        check_unique_tenants([tenant("acme"), tenant("globex", identity=shared)])


def test_a_quota_covering_peak_plus_surge_passes() -> None:
    servers = [workload("search", "acme", 200), workload("mail", "acme", 50)]
    pods = sum(s.capacity.max_replicas + math.ceil(s.capacity.max_replicas / 4) for s in servers)
    cpu = sum(
        (s.capacity.max_replicas + math.ceil(s.capacity.max_replicas / 4))
        * s.capacity.cpu_request_millicores
        for s in servers
    )
    exact = tenant(
        "acme", quota={"cpuCores": cpu / 1000, "memoryMib": 10**6, "pods": pods, "services": 2}
    )
    check_quota_fits(exact, servers)
    one_pod_short = tenant(
        "acme", quota={"cpuCores": cpu / 1000, "memoryMib": 10**6, "pods": pods - 1, "services": 2}
    )
    with pytest.raises(
        SettingsError, match=f"{pods} pods .* exceed tenants\\[acme\\].quota.pods {pods - 1}"
    ):
        check_quota_fits(one_pod_short, servers)


def test_a_quota_below_the_plan_is_refused_naming_every_number() -> None:
    search = workload("search", "acme", 200, max_replicas=8)  # 8 + 2 surge = 10 pods
    other_tenant = workload("mail", "globex", 5000)
    small = tenant("acme", quota={"cpuCores": 2, "memoryMib": 1024, "pods": 6, "services": 1})
    with pytest.raises(SettingsError) as caught:
        check_quota_fits(small, [search, other_tenant], source="Pulumi.prod.yaml")
    message = str(caught.value)
    cpu = search.capacity.cpu_request_millicores
    memory = search.capacity.memory_request_mib
    assert message.startswith("Pulumi.prod.yaml: tenant 'acme' cannot run its servers")
    assert (
        f"CPU requests {10 * cpu}m (search 10 x {cpu}m) exceed tenants[acme].quota.cpuCores 2"
        in message
    )
    assert f"memory requests {10 * memory}Mi (search 10 x {memory}Mi)" in message
    assert "10 pods (search 10) exceed tenants[acme].quota.pods 6" in message
    assert "mail" not in message  # another tenant's server is not counted
    assert "lower the servers' maxReplicas" in message


def test_services_are_counted_per_server() -> None:
    servers = [workload(f"s{i}", "acme", 1) for i in range(3)]
    acme = tenant("acme", quota={"cpuCores": 100, "memoryMib": 10**6, "pods": 100, "services": 2})
    with pytest.raises(SettingsError, match=r"3 Services \(3 servers x 1\) exceed"):
        check_quota_fits(acme, servers)


def test_the_example_prod_plan_is_checked_per_tenant() -> None:
    """The real planned servers of the prod stack, held against a generous and a tight quota."""
    settings = load_settings(raw_config("prod"), project="mcp-fleet", stack="prod")
    for name in settings.tenants:
        generous = tenant(
            name, quota={"cpuCores": 10_000, "memoryMib": 10**7, "pods": 10_000, "services": 100}
        )
        check_quota_fits(generous, settings.servers)
        tight = tenant(name, quota={"cpuCores": 0.5, "memoryMib": 512, "pods": 1, "services": 100})
        with pytest.raises(SettingsError, match=f"tenant '{name}'"):
            check_quota_fits(tight, settings.servers)
