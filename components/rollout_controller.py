"""RolloutControllerAccess: what Argo Rollouts needs from the fleet before it is installed.

The controller reads each server's SLIs from CloudWatch (``GetMetricData``) with an IRSA
role bound to its ServiceAccount, and reports an aborted rollout to the ticket route through
the notification ConfigMap it reads in its own namespace (docs/delivery.md). This component
declares those three; the controller's own Deployment and CRDs (Argo Rollouts v1.9.x, pinned
by image digest like a catalog server) are installed into the same namespace and are not
part of it yet.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.irsa import irsa_trust_policy
from delivery import manifests
from delivery.plan import TicketRoute
from policy.contract import component_type

SERVICE_ACCOUNT = "argo-rollouts"
"""The name the upstream chart and manifests give the controller's ServiceAccount."""
METRIC_ACTIONS = ("cloudwatch:GetMetricData",)
"""All the analysis calls; GetMetricData takes no resource ARN, so ``*`` is the only form."""


@dataclass(frozen=True)
class RolloutControllerArgs:
    namespace: str
    """The controller's namespace, where it reads its notification ConfigMap."""
    oidc_provider_arn: str
    role_name_prefix: str
    title: str
    """Names the stack in the abort message, like ``mcp-fleet prod``."""
    ticket_route: TicketRoute
    labels: Mapping[str, str]
    tags: Mapping[str, str]

    def __post_init__(self) -> None:
        if not self.role_name_prefix or len(self.role_name_prefix) > 38:
            raise ValueError(
                f"RolloutControllerAccess: role_name_prefix {self.role_name_prefix!r} must be "
                "1-38 characters (IAM's name_prefix limit)"
            )
        for url in self.ticket_route.https_endpoints:
            if not url.startswith("https://"):
                raise ValueError(
                    f"RolloutControllerAccess: ticket endpoint {url!r} is not an https:// URL"
                )


def metric_read_policy() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadServerSlis",
                    "Effect": "Allow",
                    "Action": list(METRIC_ACTIONS),
                    "Resource": "*",
                }
            ],
        },
        sort_keys=True,
    )


class RolloutControllerAccess(pulumi.ComponentResource):
    """IRSA role with GetMetricData, the controller's ServiceAccount, the notification map."""

    role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: RolloutControllerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(
            component_type("rollout_controller", "RolloutControllerAccess"), name, None, opts
        )
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            f"{name}-role",
            name_prefix=args.role_name_prefix,
            assume_role_policy=irsa_trust_policy(
                args.oidc_provider_arn, args.namespace, SERVICE_ACCOUNT
            ),
            tags=dict(args.tags),
            opts=child,
        )
        self.policy = aws.iam.RolePolicy(
            f"{name}-metrics", role=self.role.id, policy=metric_read_policy(), opts=child
        )
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=SERVICE_ACCOUNT,
                namespace=args.namespace,
                labels=dict(args.labels),
                annotations={"eks.amazonaws.com/role-arn": self.role.arn},
            ),
            opts=child,
        )
        config = manifests.notification_config_map(
            args.namespace, args.ticket_route, args.title, args.labels
        )
        self.notifications = k8s.core.v1.ConfigMap(
            f"{name}-notifications",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=config["metadata"]["name"],
                namespace=args.namespace,
                labels=dict(args.labels),
            ),
            data=config["data"],
            opts=child,
        )
        self.role_arn = self.role.arn
        self.register_outputs({"role_arn": self.role_arn, "service_account": SERVICE_ACCOUNT})
