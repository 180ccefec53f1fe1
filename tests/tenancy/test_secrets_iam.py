"""The rendered IAM documents judged by a real IAM evaluator, not by reading their text.

Server A (acme/search) may read and decrypt its own secrets; it is denied server B's
(acme/mail), tenant Y's (globex/crm) and decryption with tenant Y's key. A second lock, the
tenant key's policy, refuses another tenant's role even when its own policy allows everything.
"""

from __future__ import annotations

from typing import Any

import pytest

from components.tenant_secret_policies import TENANT_PRINCIPAL_TAG, secrets_manager_endpoint
from tests.tenancy.iam_simulator import (
    ALLOWED,
    EXPLICITLY_DENIED,
    IMPLICITLY_DENIED,
    Request,
    decide,
)
from tests.tenancy.mocks import ACCOUNT, REGION
from tests.tenancy.rendered_secrets import RenderedSecrets, render_tenants

VIA_SECRETS_MANAGER = secrets_manager_endpoint(REGION)
WIDE_OPEN = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["kms:*", "secretsmanager:*"], "Resource": "*"}],
}


@pytest.fixture
def two_tenants() -> RenderedSecrets:
    return render_tenants()


def read(
    rendered: RenderedSecrets,
    who: tuple[str, str],
    secret: tuple[str, str, str],
    action: str = "secretsmanager:GetSecretValue",
) -> Request:
    tenant, server = who
    return Request(
        principal=rendered.session(tenant, server),
        action=action,
        resource=rendered.secret_arn(*secret),
        account=ACCOUNT,
        identity_policies={"read-own-secrets": rendered.role_policy(tenant, server)},
        context={TENANT_PRINCIPAL_TAG: tenant},
    )


def decrypt(
    rendered: RenderedSecrets,
    who: tuple[str, str],
    key_tenant: str,
    *,
    via: str | None = VIA_SECRETS_MANAGER,
    policies: dict[str, Any] | None = None,
    tag: str | None = None,
) -> Request:
    tenant, server = who
    context: dict[str, str | list[str]] = {TENANT_PRINCIPAL_TAG: tag or tenant}
    if via is not None:
        context["kms:ViaService"] = via
    return Request(
        principal=rendered.session(tenant, server),
        action="kms:Decrypt",
        resource=rendered.key_arn(key_tenant),
        account=ACCOUNT,
        identity_policies=policies or {"read-own-secrets": rendered.role_policy(tenant, server)},
        resource_policy=rendered.key_policy(key_tenant),
        context=context,
    )


def test_server_a_reads_only_its_own_secrets(two_tenants: RenderedSecrets) -> None:
    rendered = two_tenants
    a = ("acme", "search")
    cases = {
        "own config": (read(rendered, a, ("acme", "search", "config")), ALLOWED),
        "own credentials": (read(rendered, a, ("acme", "search", "credentials")), ALLOWED),
        "own, described": (
            read(rendered, a, ("acme", "search", "config"), "secretsmanager:DescribeSecret"),
            ALLOWED,
        ),
        "own, overwritten": (
            read(rendered, a, ("acme", "search", "config"), "secretsmanager:PutSecretValue"),
            IMPLICITLY_DENIED,
        ),
        "server B, same tenant": (read(rendered, a, ("acme", "mail", "config")), IMPLICITLY_DENIED),
        "tenant Y": (read(rendered, a, ("globex", "crm", "config")), IMPLICITLY_DENIED),
    }
    decisions = decide([request for request, _ in cases.values()])
    assert dict(zip(cases, decisions, strict=True)) == {
        name: want for name, (_, want) in cases.items()
    }


def test_server_a_decrypts_only_its_own_secrets_through_secrets_manager(
    two_tenants: RenderedSecrets,
) -> None:
    rendered = two_tenants
    a = ("acme", "search")
    cases = {
        "own key via Secrets Manager": (decrypt(rendered, a, "acme"), ALLOWED),
        "own key, directly": (decrypt(rendered, a, "acme", via=None), IMPLICITLY_DENIED),
        "own key, another service": (
            decrypt(rendered, a, "acme", via=f"s3.{REGION}.amazonaws.com"),
            IMPLICITLY_DENIED,
        ),
        "tenant Y's key": (
            decrypt(rendered, a, "globex"),
            EXPLICITLY_DENIED,
        ),
    }
    decisions = decide([request for request, _ in cases.values()])
    assert dict(zip(cases, decisions, strict=True)) == {
        name: want for name, (_, want) in cases.items()
    }


def test_the_key_policy_refuses_another_tenant_even_with_a_wide_open_role(
    two_tenants: RenderedSecrets,
) -> None:
    rendered = two_tenants
    """A role tagged globex allowed kms:* and secretsmanager:* still cannot open acme's secrets."""
    y = ("globex", "crm")
    wide = {"wide-open": WIDE_OPEN}
    cases = {
        "tenant Y, wide open, acme key": (
            decrypt(rendered, y, "acme", policies=wide),
            EXPLICITLY_DENIED,
        ),
        "tenant Y, wide open, own key": (
            decrypt(rendered, y, "globex", policies=wide),
            ALLOWED,
        ),
        "acme-tagged role, wide open": (
            decrypt(rendered, y, "acme", policies=wide, tag="acme"),
            ALLOWED,
        ),
    }
    decisions = decide([request for request, _ in cases.values()])
    assert dict(zip(cases, decisions, strict=True)) == {
        name: want for name, (_, want) in cases.items()
    }


def test_every_role_is_tagged_with_its_own_tenant(two_tenants: RenderedSecrets) -> None:
    rendered = two_tenants
    """The key policy's lock works only on tagged roles: each role carries its tenant's tag."""
    for tenant, server in (("acme", "search"), ("acme", "mail"), ("globex", "crm")):
        assert (
            rendered.role(tenant, server)["tags"][TENANT_PRINCIPAL_TAG.split("/", 1)[1]] == tenant
        )
