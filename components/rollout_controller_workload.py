"""The Argo Rollouts controller's RBAC and Deployment, as ``RolloutController`` declares them.

The rules are ``delivery/controller.py``'s; the Deployment runs the pinned image under the Pod
Security Standard "restricted" (non-root UID 999, read-only root filesystem with a writable
``/tmp``, no capabilities), spread over nodes, with upstream's probes: ``/healthz`` for
liveness, ``/metrics`` for readiness. Two replicas elect a leader (the controller's default).
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s

from components.pod_security import restricted_container_context, restricted_pod_context
from delivery import controller

SELECTOR = {"app.kubernetes.io/name": controller.NAME}
CPU_REQUEST = "100m"
CPU_LIMIT = "1"
"""The fleet's workloads all carry a CPU limit (workload-restricted); a reconcile burst fits."""
MEMORY = "512Mi"
"""Upstream sets no resources; its informers cache every Rollout, ReplicaSet and Service."""


def _rules(rules: tuple[controller.Rule, ...]) -> list[k8s.rbac.v1.PolicyRuleArgs]:
    return [
        k8s.rbac.v1.PolicyRuleArgs(
            api_groups=list(rule.api_groups), resources=list(rule.resources), verbs=list(rule.verbs)
        )
        for rule in rules
    ]


def controller_rbac(
    name: str, namespace: str, labels: Mapping[str, str], opts: pulumi.ResourceOptions
) -> list[pulumi.Resource]:
    """ClusterRole and binding for the servers' namespaces; Role and binding for its own."""
    subject = k8s.rbac.v1.SubjectArgs(
        kind="ServiceAccount", name=controller.NAME, namespace=namespace
    )
    cluster_role = k8s.rbac.v1.ClusterRole(
        f"{name}-cluster-role",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=controller.NAME, labels=dict(labels)),
        rules=_rules(controller.CLUSTER_RULES),
        opts=opts,
    )
    cluster_binding = k8s.rbac.v1.ClusterRoleBinding(
        f"{name}-cluster-role-binding",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=controller.NAME, labels=dict(labels)),
        role_ref=k8s.rbac.v1.RoleRefArgs(
            api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=controller.NAME
        ),
        subjects=[subject],
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[cluster_role])),
    )
    metadata = k8s.meta.v1.ObjectMetaArgs(
        name=controller.NAME, namespace=namespace, labels=dict(labels)
    )
    role = k8s.rbac.v1.Role(
        f"{name}-role", metadata=metadata, rules=_rules(controller.NAMESPACE_RULES), opts=opts
    )
    binding = k8s.rbac.v1.RoleBinding(
        f"{name}-role-binding",
        metadata=metadata,
        role_ref=k8s.rbac.v1.RoleRefArgs(
            api_group="rbac.authorization.k8s.io", kind="Role", name=controller.NAME
        ),
        subjects=[subject],
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[role])),
    )
    return [cluster_role, cluster_binding, role, binding]


def _container(image: str, region: str) -> k8s.core.v1.ContainerArgs:
    def probe(path: str, port: str, period: int) -> k8s.core.v1.ProbeArgs:
        return k8s.core.v1.ProbeArgs(
            http_get=k8s.core.v1.HTTPGetActionArgs(path=path, port=port),
            period_seconds=period,
            timeout_seconds=4,
            failure_threshold=3,
        )

    return k8s.core.v1.ContainerArgs(
        name=controller.NAME,
        image=image,
        image_pull_policy="IfNotPresent",
        env=[k8s.core.v1.EnvVarArgs(name="AWS_REGION", value=region)],
        ports=[
            k8s.core.v1.ContainerPortArgs(name="metrics", container_port=controller.METRICS_PORT),
            k8s.core.v1.ContainerPortArgs(name="healthz", container_port=controller.HEALTH_PORT),
        ],
        liveness_probe=probe("/healthz", "healthz", 20),
        readiness_probe=probe("/metrics", "metrics", 5),
        resources=k8s.core.v1.ResourceRequirementsArgs(
            requests={"cpu": CPU_REQUEST, "memory": MEMORY},
            limits={"cpu": CPU_LIMIT, "memory": MEMORY},
        ),
        security_context=restricted_container_context(controller.CONTROLLER_USER),
        volume_mounts=[k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")],
    )


def controller_deployment(
    name: str,
    *,
    image: str,
    region: str,
    replicas: int,
    namespace: str,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> k8s.apps.v1.Deployment:
    """The controller: ``replicas`` pods spread over nodes, a new one ready before one goes."""
    return k8s.apps.v1.Deployment(
        f"{name}-deployment",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=controller.NAME,
            namespace=namespace,
            labels=dict(labels),
            annotations=dict(annotations),
        ),
        spec=k8s.apps.v1.DeploymentSpecArgs(
            replicas=replicas,
            selector=k8s.meta.v1.LabelSelectorArgs(match_labels=SELECTOR),
            strategy=k8s.apps.v1.DeploymentStrategyArgs(
                type="RollingUpdate",
                rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(
                    max_surge=1, max_unavailable=0
                ),
            ),
            template=k8s.core.v1.PodTemplateSpecArgs(
                metadata=k8s.meta.v1.ObjectMetaArgs(labels={**labels, **SELECTOR}),
                spec=k8s.core.v1.PodSpecArgs(
                    service_account_name=controller.NAME,
                    security_context=restricted_pod_context(controller.CONTROLLER_USER),
                    containers=[_container(image, region)],
                    volumes=[
                        k8s.core.v1.VolumeArgs(
                            name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs()
                        )
                    ],
                    topology_spread_constraints=[
                        k8s.core.v1.TopologySpreadConstraintArgs(
                            max_skew=1,
                            topology_key="kubernetes.io/hostname",
                            when_unsatisfiable="DoNotSchedule",
                            label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=SELECTOR),
                        )
                    ],
                ),
            ),
        ),
        opts=opts,
    )
