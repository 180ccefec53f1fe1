"""Two tenants' TenantSecrets rendered under mocks, with every document the IAM tests need."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.tenant_key import TenantKey, TenantKeyArgs
from components.tenant_secrets import ServerSecrets, TenantSecrets, TenantSecretsArgs
from policy.contract import SERVER, TENANT
from tests.tenancy.mocks import ACCOUNT, REGION, RecordingMocks, render

OIDC = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.{REGION}.amazonaws.com/id/ABC123"
Layout = dict[str, dict[str, tuple[str, ...]]]
LAYOUT: Layout = {
    "acme": {"search": ("config", "credentials"), "mail": ("config",)},
    "globex": {"crm": ("config",)},
}


def server_secrets(tenant: str, server: str, leaves: tuple[str, ...]) -> ServerSecrets:
    return ServerSecrets(
        server=server,
        service_account=server,
        secrets=leaves,
        tags={TENANT: tenant, SERVER: server, "mcp-fleet.io/environment": "prod"},
    )


def secrets_args(
    tenant: str, layout: dict[str, tuple[str, ...]], **overrides: Any
) -> TenantSecretsArgs:
    values: dict[str, Any] = {
        "stack": "prod",
        "tenant": tenant,
        "namespace": f"mcp-{tenant}",
        "name_prefix": "mcp-fleet-prod",
        "region": REGION,
        "oidc_provider_arn": OIDC,
        "servers": tuple(server_secrets(tenant, s, leaves) for s, leaves in layout.items()),
        "key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-4000-8000-000000000000",
        "labels": {TENANT: tenant},
    }
    values.update(overrides)
    return TenantSecretsArgs(**values)


def key_args(tenant: str) -> TenantKeyArgs:
    return TenantKeyArgs(
        tenant=tenant,
        name_prefix="mcp-fleet-prod",
        region=REGION,
        log_group_name=f"/mcp-fleet/prod/tenant/{tenant}",
        tags={TENANT: tenant, SERVER: "fleet"},
    )


@dataclass
class RenderedSecrets:
    mocks: RecordingMocks
    outputs: dict[str, Any] = field(default_factory=dict)

    def secret_arn(self, tenant: str, server: str, leaf: str) -> str:
        return str(self.outputs[f"secret/{tenant}/{server}/{leaf}"])

    def key_arn(self, tenant: str) -> str:
        return str(self.outputs[f"key/{tenant}"])

    def _inputs(self, typ: str, name: str) -> dict[str, Any]:
        (found,) = [r for r in self.mocks.of_type(typ) if r["__name"] == name]
        return found

    def key_policy(self, tenant: str) -> dict[str, Any]:
        return json.loads(self._inputs("aws:kms/key:Key", f"{tenant}-tenant-key")["policy"])

    def role(self, tenant: str, server: str) -> dict[str, Any]:
        return self._inputs("aws:iam/role:Role", f"{tenant}-secrets-{server}-role")

    def role_policy(self, tenant: str, server: str) -> dict[str, Any]:
        inputs = self._inputs(
            "aws:iam/rolePolicy:RolePolicy", f"{tenant}-secrets-{server}-read-secrets"
        )
        return json.loads(inputs["policy"])

    def session(self, tenant: str, server: str) -> str:
        """The principal a pod's IRSA credentials act as."""
        return f"arn:aws:sts::{ACCOUNT}:assumed-role/{self.role(tenant, server)['name']}/pod"


def render_tenants(layout: Layout = LAYOUT) -> RenderedSecrets:
    rendered: dict[str, Any] = {}

    def build() -> pulumi.Output[None]:
        cluster = k8s.Provider("cluster", kubeconfig="{}")
        outputs: dict[str, Any] = {}
        for tenant, servers in layout.items():
            key = TenantKey(f"{tenant}-tenant", key_args(tenant))
            made = TenantSecrets(
                f"{tenant}-secrets",
                secrets_args(tenant, servers, key_arn=key.arn),
                pulumi.ResourceOptions(providers={"kubernetes": cluster}),
            )
            outputs[f"key/{tenant}"] = key.arn
            for server, access in made.servers.items():
                for leaf, secret in access.secrets.items():
                    outputs[f"secret/{tenant}/{server}/{leaf}"] = secret.arn
        return pulumi.Output.all(**outputs).apply(rendered.update)

    mocks = render(build)
    return RenderedSecrets(mocks, rendered)
