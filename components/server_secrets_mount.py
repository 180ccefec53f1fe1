"""What a server's pods need to receive their tenant secrets: a role and a CSI volume.

``TenantSecrets`` creates the role and the ``SecretProviderClass``; ``McpServer`` only puts
the role ARN on its ServiceAccount (EKS turns it into the pod's AWS credentials) and mounts
the volume read-only. Kept apart so ``McpServer`` does not depend on the tenant component.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.tenant_secrets import IRSA_ANNOTATION, secrets_volume


@dataclass(frozen=True)
class ServerSecretsMount:
    role_arn: pulumi.Input[str]
    """The server's own IRSA role: it may read this server's secrets and nothing else."""
    secret_provider_class: str
    """``<server>-secrets`` in the server's namespace."""

    def service_account_annotations(self) -> dict[str, pulumi.Input[str]]:
        return {IRSA_ANNOTATION: self.role_arn}

    def volume(self) -> k8s.core.v1.VolumeArgs:
        return secrets_volume(self.secret_provider_class)[0]

    def mount(self) -> k8s.core.v1.VolumeMountArgs:
        return secrets_volume(self.secret_provider_class)[1]
