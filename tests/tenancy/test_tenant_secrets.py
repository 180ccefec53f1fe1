"""TenantSecrets under mocks: names, keys, roles and the delivery objects it declares."""

from __future__ import annotations

import json
from typing import Any

import pulumi_kubernetes as k8s
import pytest
import yaml

from components.irsa import service_account_subject
from components.tenant_secret_policies import role_name
from components.tenant_secrets import TenantSecrets, secrets_volume
from policy.contract import TENANT
from tests.tenancy.mocks import render
from tests.tenancy.rendered_secrets import render_tenants, secrets_args, server_secrets

SPC = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass"


def test_each_secret_lives_under_its_tenant_path_encrypted_with_its_tenant_key() -> None:
    rendered = render_tenants()
    secrets = rendered.mocks.of_type("aws:secretsmanager/secret:Secret")
    assert sorted(s["name"] for s in secrets) == [
        "/prod/acme/mail/config",
        "/prod/acme/search/config",
        "/prod/acme/search/credentials",
        "/prod/globex/crm/config",
    ]
    for secret in secrets:
        tenant = secret["name"].split("/")[2]
        assert secret["kmsKeyId"] == rendered.key_arn(tenant)
        assert secret["tags"][TENANT] == tenant
        assert "secretString" not in secret  # values never pass through Pulumi
    assert rendered.key_arn("acme") != rendered.key_arn("globex")


def test_each_tenant_key_rotates_and_has_an_alias() -> None:
    rendered = render_tenants()
    keys = rendered.mocks.of_type("aws:kms/key:Key")
    assert len(keys) == 2
    assert all(key["enableKeyRotation"] for key in keys)
    aliases = sorted(a["name"] for a in rendered.mocks.of_type("aws:kms/alias:Alias"))
    assert aliases == ["alias/mcp-fleet-prod-acme", "alias/mcp-fleet-prod-globex"]


def test_each_role_trusts_only_its_own_service_account() -> None:
    rendered = render_tenants()
    for tenant, server in (("acme", "search"), ("acme", "mail"), ("globex", "crm")):
        trust = json.loads(rendered.role(tenant, server)["assumeRolePolicy"])
        (statement,) = trust["Statement"]
        subjects = [
            v for k, v in statement["Condition"]["StringEquals"].items() if k.endswith(":sub")
        ]
        assert subjects == [service_account_subject(f"mcp-{tenant}", server)]


def test_a_secret_provider_class_per_server_mounts_its_secrets_by_name() -> None:
    rendered = render_tenants()
    classes = {c["metadata"]["name"]: c for c in rendered.mocks.of_type(SPC)}
    assert set(classes) == {"search-secrets", "mail-secrets", "crm-secrets"}
    search = classes["search-secrets"]
    assert search["metadata"]["namespace"] == "mcp-acme"
    assert search["spec"]["provider"] == "aws"
    parameters = search["spec"]["parameters"]
    assert parameters["region"] == "eu-west-1"
    assert parameters["usePodIdentity"] == "false"
    assert yaml.safe_load(parameters["objects"]) == [
        {
            "objectAlias": "config",
            "objectName": "/prod/acme/search/config",
            "objectType": "secretsmanager",
        },
        {
            "objectAlias": "credentials",
            "objectName": "/prod/acme/search/credentials",
            "objectType": "secretsmanager",
        },
    ]


def test_the_pod_volume_names_the_class_and_is_read_only() -> None:
    volume, mount = secrets_volume("search-secrets")
    assert isinstance(volume.csi, k8s.core.v1.CSIVolumeSourceArgs)
    assert volume.csi.driver == "secrets-store.csi.k8s.io"
    assert volume.csi.volume_attributes == {"secretProviderClass": "search-secrets"}
    assert mount.read_only and volume.csi.read_only


def test_long_role_names_are_shortened_within_iam_limits_and_stay_distinct() -> None:
    long_a = role_name("mcp-fleet-production", "a" * 30, "b" * 40)
    long_b = role_name("mcp-fleet-production", "a" * 30, "b" * 39 + "c")
    assert len(long_a) <= 64 and len(long_b) <= 64 and long_a != long_b
    assert role_name("mcp-fleet-prod", "acme", "search") == "mcp-fleet-prod-acme-search"


def build(**overrides: Any) -> None:
    def program() -> None:
        TenantSecrets("acme-secrets", secrets_args("acme", {"search": ("config",)}, **overrides))

    render(program)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"servers": (server_secrets("globex", "search", ("config",)),)},
            "tags name tenant 'globex', not 'acme'",
        ),
        ({"servers": (server_secrets("acme", "search", ("db password",)),)}, "letters, digits"),
        ({"servers": (server_secrets("acme", "search", ("config-abc123",)),)}, "random ARN suffix"),
        ({"servers": (server_secrets("acme", "search", ("config", "config")),)}, "listed twice"),
        (
            {"servers": (server_secrets("acme", "s", ("a",)), server_secrets("acme", "s", ("b",)))},
            "servers repeat",
        ),
        ({"recovery_window_days": 3}, "7-30"),
    ],
)
def test_wrong_args_are_refused_before_anything_is_created(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build(**overrides)


def test_nothing_is_created_when_args_are_refused() -> None:
    refusals: list[str] = []

    def program() -> None:
        try:
            TenantSecrets(
                "acme-secrets",
                secrets_args("acme", {"search": ("config",)}, recovery_window_days=1),
            )
        except ValueError as error:
            refusals.append(str(error))

    mocks = render(program)
    assert len(refusals) == 1 and refusals[0].startswith("TenantSecrets acme: ")
    assert mocks.created == []
