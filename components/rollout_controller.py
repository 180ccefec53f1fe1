"""The Argo Rollouts controller the servers' Rollouts need, installed by the program.

``RolloutController`` declares everything (decision 0002, docs/delivery.md): a namespace
enforcing the Pod Security Standard "restricted" with ingress denied, the release's CRDs
(``delivery/controller.py``: the tag's own manifests), the RBAC, the controller Deployment
(its image pinned by digest in the signed platform entry ``catalog/platform/argo-rollouts.yaml``,
two replicas with leader election) with its PodDisruptionBudget, and
``RolloutControllerAccess``: the IRSA role with ``GetMetricData`` it reads the gateway's SLIs
with, its ServiceAccount, and the notification ConfigMap through which an aborted rollout
reaches the ticket route.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.irsa import irsa_trust_policy
from components.pod_security import restricted_namespace
from components.rollout_controller_workload import controller_deployment, controller_rbac
from delivery import controller, manifests
from delivery.plan import TicketRoute
from policy.contract import component_type

SERVICE_ACCOUNT = controller.NAME
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


@dataclass(frozen=True)
class RolloutControllerInstallArgs:
    """The controller's workload and where it runs; ``access`` names the same namespace."""

    access: RolloutControllerArgs
    image: str
    """``REPO@sha256:<64 hex>`` from the signed platform entry."""
    version: str
    """The entry's version: must be the CRDs' (``delivery.controller.CONTROLLER_VERSION``)."""
    region: str
    """The controller's AWS SDK reads CloudWatch there (``AWS_REGION``)."""
    deployment_annotations: Mapping[str, str]
    """The entry's provenance, stamped like every catalog workload's."""
    replicas: int = controller.REPLICAS

    def __post_init__(self) -> None:
        problems = []
        if "@sha256:" not in self.image:
            problems.append(f"image {self.image!r} is not pinned by digest (REPO@sha256:...)")
        if f"v{self.version}" != controller.CONTROLLER_VERSION:
            problems.append(
                f"catalog entry version {self.version!r} is not the CRDs' and schemas' "
                f"{controller.CONTROLLER_VERSION!r}; pin the matching release"
            )
        if self.replicas < 2:
            problems.append(
                f"replicas {self.replicas}: at least 2, so a drained node never stops every rollout"
            )
        if self.access.namespace != controller.NAMESPACE:
            problems.append(f"namespace {self.access.namespace!r}: use {controller.NAMESPACE!r}")
        if problems:
            raise ValueError("RolloutController: " + "; ".join(problems))


class RolloutController(pulumi.ComponentResource):
    """Namespace, CRDs, RBAC, access (role, ServiceAccount, notifications), Deployment, PDB."""

    crds: k8s.yaml.v2.ConfigGroup

    def __init__(
        self,
        name: str,
        args: RolloutControllerInstallArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            component_type("rollout_controller", "RolloutController"), name, None, opts
        )
        child = pulumi.ResourceOptions(parent=self)
        labels = {**args.access.labels, "app.kubernetes.io/name": controller.NAME}
        self.namespace = restricted_namespace(
            f"{name}-namespace", args.access.namespace, labels, child
        )
        in_namespace = pulumi.ResourceOptions(parent=self, depends_on=[self.namespace])
        self.crds = k8s.yaml.v2.ConfigGroup(
            f"{name}-crds", files=list(controller.crd_urls()), opts=child
        )
        self.access = RolloutControllerAccess(f"{name}-access", args.access, opts=in_namespace)
        rbac = controller_rbac(name, args.access.namespace, labels, in_namespace)
        self.deployment = controller_deployment(
            name,
            image=args.image,
            region=args.region,
            replicas=args.replicas,
            namespace=args.access.namespace,
            labels=labels,
            annotations=args.deployment_annotations,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.crds, self.access, *rbac]),
        )
        self.budget = k8s.policy.v1.PodDisruptionBudget(
            f"{name}-budget",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=controller.NAME, namespace=args.access.namespace, labels=labels
            ),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                min_available=1,
                selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels={"app.kubernetes.io/name": controller.NAME}
                ),
            ),
            opts=in_namespace,
        )
        self.register_outputs(
            {
                "namespace": args.access.namespace,
                "version": controller.CONTROLLER_VERSION,
                "role_arn": self.access.role_arn,
            }
        )
