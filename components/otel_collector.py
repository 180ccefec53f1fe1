"""OtelCollector: the cluster's OpenTelemetry collector, receiving OTLP, exporting to AWS.

A Deployment (not a DaemonSet): servers and the gateway send to the Service, so replicas
scale with traffic rather than nodes, and a PodDisruptionBudget keeps one up during node
drains. The configuration is rendered by ``telemetry.collector_config`` into a ConfigMap;
its hash is a pod annotation, so a changed configuration rolls the pods. The image is
pinned by digest (decision 0005), pods run under the "restricted" Pod Security Standard,
and AWS access comes from an IRSA role limited to X-Ray and the metrics log group.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.audit_retention import log_retention_problems
from components.irsa import irsa_trust_policy
from components.otel_collector_iam import collector_policy
from components.pod_security import (
    restricted_container_context,
    restricted_namespace,
    restricted_pod_context,
)
from policy.contract import APP_NAME, COMPONENT, PREFIX, component_type
from telemetry.collector_config import (
    HEALTH_PORT,
    OTLP_GRPC_PORT,
    OTLP_HTTP_PORT,
    CollectorConfigArgs,
    render_yaml,
)

COLLECTOR_USER = 10001
"""The UID the upstream collector images run as."""
CONFIG_PATH = "/conf/collector.yaml"
CONFIG_HASH_ANNOTATION = f"{PREFIX}/collector-config-sha256"
Metadata = Callable[[str], k8s.meta.v1.ObjectMetaArgs]
"""Builds an object's metadata in the collector's namespace with its labels."""
_PINNED = re.compile(r"^[a-z0-9.\-/:]+@sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class OtelCollectorArgs:
    name_prefix: str
    """Role and log group names start with it, like ``mcp-fleet-prod``."""
    namespace: str
    """Created by the component, enforcing the restricted Pod Security Standard."""
    image: str
    """``registry/repository@sha256:<64 hex>``: pinned by digest, never a tag."""
    config: CollectorConfigArgs
    oidc_provider_arn: str
    """The cluster's IAM OIDC provider: the IRSA trust."""
    labels: Mapping[str, str]
    tags: Mapping[str, str]
    metrics_log_retention_days: int = 30
    replicas: int = 2
    cpu: str = "500m"
    cpu_limit: str = "1"
    """The pack's workload-restricted rule requires a cpu limit; twice the request absorbs bursts."""
    memory: str = "512Mi"
    """memory_limiter's percentages are of this limit, so it must be set."""
    service_name: str = "otel-collector"
    deployment_annotations: Mapping[str, str] = field(default_factory=dict)
    """The signed platform catalog entry of ``image`` (``catalog/platform/otel-collector.yaml``),
    stamped so the pack's catalog-approved-image rule judges the collector like a server."""

    def problems(self) -> list[str]:
        found = [*self.config.problems(), *log_retention_problems(self.metrics_log_retention_days)]
        if not _PINNED.match(self.image):
            found.append(f"image {self.image!r} is not pinned: use repository@sha256:<64 hex>")
        if ":oidc-provider/" not in self.oidc_provider_arn:
            found.append(f"oidc_provider_arn {self.oidc_provider_arn!r} is not an OIDC provider")
        if self.replicas < 2:
            found.append(f"replicas {self.replicas}: use 2 or more so a drain keeps one up")
        return found


def config_hash(rendered: str) -> str:
    return hashlib.sha256(rendered.encode()).hexdigest()


class OtelCollector(pulumi.ComponentResource):
    """Namespace, config, IRSA role, metrics log group, Deployment, Service, PDB."""

    endpoint_grpc: str
    endpoint_http: str
    role_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: OtelCollectorArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = args.problems()
        if problems:
            raise ValueError(f"OtelCollector {name}: " + "; ".join(problems))
        super().__init__(component_type("telemetry", "OtelCollector"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        labels = {**args.labels, APP_NAME: args.service_name, COMPONENT: "otel-collector"}
        selector = {APP_NAME: args.service_name}
        namespace = restricted_namespace(f"{name}-namespace", args.namespace, labels, child)
        rendered = render_yaml(args.config)

        def metadata(object_name: str) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(
                name=object_name, namespace=namespace.metadata.name, labels=labels
            )

        group = aws.cloudwatch.LogGroup(
            f"{name}-metrics",
            name=args.config.metrics_log_group,
            retention_in_days=args.metrics_log_retention_days,
            tags=dict(args.tags),
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-role",
            name=f"{args.name_prefix}-otel-collector",
            description="The OpenTelemetry collector sends traces to X-Ray and metrics as EMF",
            assume_role_policy=irsa_trust_policy(
                args.oidc_provider_arn, args.namespace, args.service_name
            ),
            tags=dict(args.tags),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-role-policy", role=role.id, policy=collector_policy(group.arn), opts=child
        )
        account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=args.service_name,
                namespace=namespace.metadata.name,
                labels=labels,
                annotations={"eks.amazonaws.com/role-arn": role.arn},
            ),
            automount_service_account_token=True,
            opts=child,
        )
        config_map = k8s.core.v1.ConfigMap(
            f"{name}-config",
            metadata=metadata(f"{args.service_name}-config"),
            data={"collector.yaml": rendered},
            opts=child,
        )
        self._deployment(name, args, metadata, labels, selector, account, config_map, rendered)
        self._service_and_budget(name, args, metadata, selector)
        self._admit_otlp(name, args, metadata, selector)
        self.endpoint_grpc = (
            f"{args.service_name}.{args.namespace}.svc.cluster.local:{OTLP_GRPC_PORT}"
        )
        self.endpoint_http = (
            f"{args.service_name}.{args.namespace}.svc.cluster.local:{OTLP_HTTP_PORT}"
        )
        self.role_arn = role.arn
        self.register_outputs(
            {
                "endpoint_grpc": self.endpoint_grpc,
                "endpoint_http": self.endpoint_http,
                "role_arn": self.role_arn,
                "metrics_log_group": group.name,
            }
        )

    def _deployment(
        self,
        name: str,
        args: OtelCollectorArgs,
        metadata: Metadata,
        labels: Mapping[str, str],
        selector: Mapping[str, str],
        account: k8s.core.v1.ServiceAccount,
        config_map: k8s.core.v1.ConfigMap,
        rendered: str,
    ) -> k8s.apps.v1.Deployment:
        health = k8s.core.v1.HTTPGetActionArgs(path="/", port=HEALTH_PORT)
        container = k8s.core.v1.ContainerArgs(
            name="collector",
            image=args.image,
            args=[f"--config={CONFIG_PATH}"],
            env=[
                k8s.core.v1.EnvVarArgs(
                    name="POD_IP",
                    value_from=k8s.core.v1.EnvVarSourceArgs(
                        field_ref=k8s.core.v1.ObjectFieldSelectorArgs(field_path="status.podIP")
                    ),
                )
            ],
            ports=[
                k8s.core.v1.ContainerPortArgs(name="otlp-grpc", container_port=OTLP_GRPC_PORT),
                k8s.core.v1.ContainerPortArgs(name="otlp-http", container_port=OTLP_HTTP_PORT),
                k8s.core.v1.ContainerPortArgs(name="health", container_port=HEALTH_PORT),
            ],
            resources=k8s.core.v1.ResourceRequirementsArgs(
                requests={"cpu": args.cpu, "memory": args.memory},
                limits={"cpu": args.cpu_limit, "memory": args.memory},
            ),
            readiness_probe=k8s.core.v1.ProbeArgs(http_get=health, period_seconds=5),
            liveness_probe=k8s.core.v1.ProbeArgs(http_get=health, period_seconds=10),
            security_context=restricted_container_context(COLLECTOR_USER),
            volume_mounts=[k8s.core.v1.VolumeMountArgs(name="config", mount_path="/conf")],
        )
        deployment_metadata = metadata(args.service_name)
        if args.deployment_annotations:
            deployment_metadata.annotations = dict(args.deployment_annotations)
        return k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=deployment_metadata,
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=args.replicas,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(selector)),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        labels=dict(labels),
                        annotations={CONFIG_HASH_ANNOTATION: config_hash(rendered)},
                    ),
                    spec=k8s.core.v1.PodSpecArgs(
                        service_account_name=account.metadata.name,
                        security_context=restricted_pod_context(COLLECTOR_USER),
                        containers=[container],
                        volumes=[
                            k8s.core.v1.VolumeArgs(
                                name="config",
                                config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(
                                    name=config_map.metadata.name
                                ),
                            )
                        ],
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _service_and_budget(
        self, name: str, args: OtelCollectorArgs, metadata: Metadata, selector: Mapping[str, str]
    ) -> None:
        child = pulumi.ResourceOptions(parent=self)
        k8s.core.v1.Service(
            f"{name}-service",
            metadata=metadata(args.service_name),
            spec=k8s.core.v1.ServiceSpecArgs(
                selector=dict(selector),
                ports=[
                    k8s.core.v1.ServicePortArgs(
                        name="otlp-grpc",
                        port=OTLP_GRPC_PORT,
                        target_port="otlp-grpc",
                        app_protocol="grpc",
                    ),
                    k8s.core.v1.ServicePortArgs(
                        name="otlp-http",
                        port=OTLP_HTTP_PORT,
                        target_port="otlp-http",
                        app_protocol="http",
                    ),
                ],
            ),
            opts=child,
        )
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-budget",
            metadata=metadata(args.service_name),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                min_available=1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(selector)),
            ),
            opts=child,
        )

    def _admit_otlp(
        self, name: str, args: OtelCollectorArgs, metadata: Metadata, selector: Mapping[str, str]
    ) -> None:
        """The namespace denies ingress by default; OTLP is admitted from every namespace."""
        k8s.networking.v1.NetworkPolicy(
            f"{name}-admit-otlp",
            metadata=metadata(f"{args.service_name}-otlp"),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(selector)),
                policy_types=["Ingress"],
                ingress=[
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        from_=[
                            k8s.networking.v1.NetworkPolicyPeerArgs(
                                namespace_selector=k8s.meta.v1.LabelSelectorArgs()
                            )
                        ],
                        ports=[
                            k8s.networking.v1.NetworkPolicyPortArgs(port=port, protocol="TCP")
                            for port in (OTLP_GRPC_PORT, OTLP_HTTP_PORT)
                        ],
                    )
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
