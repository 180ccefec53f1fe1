"""A tenant's secrets: Secrets Manager secrets per server in the tenant's key, a role per server.

Pulumi declares the secrets (name, key, tags) but never their values: the tenant's owner
writes values with ``aws secretsmanager put-secret-value``, so secret material never enters
the Pulumi state or a review. Pods receive them as files through the Secrets Store CSI Driver
and its AWS provider (docs/decisions/0004-secrets-delivery.md): one SecretProviderClass per
server, mounted by the server's pods, fetched with the server's own IRSA role.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import yaml

from components.irsa import irsa_trust_policy
from components.tenant_secret_policies import (
    MAX_SECRET_NAME,
    role_name,
    secret_arn_pattern,
    secret_leaf_problems,
    secret_name,
    server_read_policy,
)
from policy.contract import TENANT, component_type

CSI_DRIVER = "secrets-store.csi.k8s.io"
SECRET_PROVIDER_CLASS_API = "secrets-store.csi.x-k8s.io/v1"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
"""The ServiceAccount annotation EKS's pod identity webhook turns into AWS credentials."""
MOUNT_PATH = "/var/run/secrets/mcp-fleet"
DNS_LABEL = r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"


@dataclass(frozen=True)
class ServerSecrets:
    """One server's secrets and the ServiceAccount its pods run as."""

    server: str
    service_account: str
    secrets: tuple[str, ...]
    """What the server needs, like ``("config", "credentials")``: one secret each."""
    tags: Mapping[str, str]
    """The server's standard tags; their tenant tag must be this tenant's."""


@dataclass(frozen=True)
class TenantSecretsArgs:
    stack: str
    tenant: str
    namespace: str
    name_prefix: str
    """Role names start with it, like ``mcp-fleet-prod``."""
    region: str
    oidc_provider_arn: str
    servers: Sequence[ServerSecrets]
    key_arn: pulumi.Input[str]
    """The tenant's own key (``components.tenant_key.TenantKey``): the secrets' encryption."""
    recovery_window_days: int = 30
    labels: Mapping[str, str] = field(default_factory=dict)

    def problems(self) -> list[str]:
        found: list[str] = []
        names = [s.server for s in self.servers]
        if len(set(names)) != len(names):
            found.append(f"servers repeat: {sorted({n for n in names if names.count(n) > 1})}")
        for entry in self.servers:
            if entry.tags.get(TENANT) != self.tenant:
                found.append(
                    f"server {entry.server}: its tags name tenant {entry.tags.get(TENANT)!r}, "
                    f"not {self.tenant!r}; a role never crosses a tenant boundary"
                )
            if not re.match(DNS_LABEL, entry.service_account):
                found.append(f"server {entry.server}: {entry.service_account!r} is no DNS label")
            if len(set(entry.secrets)) != len(entry.secrets):
                found.append(f"server {entry.server}: a secret is listed twice")
            for leaf in entry.secrets:
                found += [f"server {entry.server}: {p}" for p in secret_leaf_problems(leaf)]
                full = secret_name(self.stack, self.tenant, entry.server, leaf)
                if len(full) > MAX_SECRET_NAME:
                    found.append(f"{full}: longer than Secrets Manager's {MAX_SECRET_NAME}")
        if not 7 <= self.recovery_window_days <= 30:
            found.append("recovery_window_days must be 7-30 (Secrets Manager)")
        return found


@dataclass
class ServerAccess:
    """What a server's Deployment needs from here: its role and its SecretProviderClass."""

    role: aws.iam.Role
    read_policy: pulumi.Output[str]
    secret_provider_class: str
    secrets: dict[str, aws.secretsmanager.Secret]


class TenantSecrets(pulumi.ComponentResource):
    """Per-server secrets (in the tenant's key), IRSA roles and SecretProviderClasses."""

    key_arn: pulumi.Output[str]
    servers: dict[str, ServerAccess]

    def __init__(
        self, name: str, args: TenantSecretsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = args.problems()
        if problems:
            raise ValueError(f"TenantSecrets {args.tenant}: " + "; ".join(problems))
        super().__init__(component_type("tenancy", "TenantSecrets"), name, None, opts)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition
        self.key_arn = pulumi.Output.from_input(args.key_arn)
        self.servers = {
            entry.server: self._server(name, args, entry, account, partition)
            for entry in args.servers
        }
        self.register_outputs(
            {
                "key_arn": self.key_arn,
                "role_arns": {server: a.role.arn for server, a in self.servers.items()},
            }
        )

    def _server(
        self,
        name: str,
        args: TenantSecretsArgs,
        entry: ServerSecrets,
        account: pulumi.Output[str],
        partition: pulumi.Output[str],
    ) -> ServerAccess:
        prefix = f"{name}-{entry.server}"
        names = {
            leaf: secret_name(args.stack, args.tenant, entry.server, leaf) for leaf in entry.secrets
        }
        secrets = {
            leaf: aws.secretsmanager.Secret(
                f"{prefix}-{leaf}",
                name=full,
                description=f"{entry.server} ({args.tenant}): {leaf}",
                kms_key_id=self.key_arn,
                recovery_window_in_days=args.recovery_window_days,
                tags=dict(entry.tags),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for leaf, full in names.items()
        }
        patterns = pulumi.Output.all(partition, account).apply(
            lambda known: [
                secret_arn_pattern(known[0], args.region, known[1], full) for full in names.values()
            ]
        )
        document: pulumi.Output[str] = pulumi.Output.all(patterns, self.key_arn).apply(
            lambda known: json.dumps(server_read_policy(known[0], known[1], args.region))
        )
        role = aws.iam.Role(
            f"{prefix}-role",
            name=role_name(args.name_prefix, args.tenant, entry.server),
            description=f"{entry.server} ({args.tenant}): reads its own secrets, nothing else",
            assume_role_policy=irsa_trust_policy(
                args.oidc_provider_arn, args.namespace, entry.service_account
            ),
            tags=dict(entry.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{prefix}-read-secrets",
            role=role.id,
            name="read-own-secrets",
            policy=document,
            opts=pulumi.ResourceOptions(parent=role),
        )
        class_name = f"{entry.server}-secrets"
        k8s.apiextensions.CustomResource(
            f"{prefix}-secret-provider-class",
            api_version=SECRET_PROVIDER_CLASS_API,
            kind="SecretProviderClass",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=class_name, namespace=args.namespace, labels=dict(args.labels)
            ),
            spec=secret_provider_spec(args.region, names),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(secrets.values())),
        )
        return ServerAccess(role, document, class_name, secrets)


def secret_provider_spec(region: str, names: Mapping[str, str]) -> dict[str, object]:
    """The AWS provider's parameters: each secret by name, mounted as a file named by its leaf."""
    objects = [
        {"objectName": full, "objectType": "secretsmanager", "objectAlias": leaf}
        for leaf, full in names.items()
    ]
    return {
        "provider": "aws",
        "parameters": {
            "region": region,
            "usePodIdentity": "false",
            "objects": yaml.safe_dump(objects, sort_keys=True),
        },
    }


def secrets_volume(
    class_name: str,
) -> tuple[k8s.core.v1.VolumeArgs, k8s.core.v1.VolumeMountArgs]:
    """The pod volume and read-only mount that deliver a server's secrets as files."""
    volume = k8s.core.v1.VolumeArgs(
        name="secrets",
        csi=k8s.core.v1.CSIVolumeSourceArgs(
            driver=CSI_DRIVER,
            read_only=True,
            volume_attributes={"secretProviderClass": class_name},
        ),
    )
    mount = k8s.core.v1.VolumeMountArgs(name="secrets", mount_path=MOUNT_PATH, read_only=True)
    return volume, mount
