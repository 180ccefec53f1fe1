"""Gateway: the MCP gateway (HAProxy) between the load balancer and every server of a stack.

Its own namespace under the restricted Pod Security Standard; the configuration rendered by
``gateway.render`` from settings and catalog lives in a ConfigMap with the Lua files it loads
(so a review shows each changed line, and the policy pack can read every route); pods roll
when either changes. A real autoscaler (``min_replicas``..``max_replicas``): each replica
counts the live ones through the headless Service ``mcp-gateway-peers`` and enforces its
share of every tenant's rate limit (gateway/gateway_replicas.lua).
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.gateway_args import HEALTH_PORT, HTTP_PORT, GatewayArgs
from components.gateway_network import gateway_network_policy
from components.gateway_pod import gateway_deployment_spec
from components.pod_security import restricted_namespace
from gateway.stack_gateway import PEERS_PORT_NAME, PEERS_SERVICE
from policy.contract import component_type

NAME = "mcp-gateway"
SELECTOR = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/component": "gateway"}
READINESS_GATE = {"elbv2.k8s.aws/pod-readiness-gate-inject": "enabled"}
"""The ALB's one target: a rollout waits until new gateway pods are healthy targets."""
CONFIG_KEY = "haproxy.cfg"


class Gateway(pulumi.ComponentResource):
    """Namespace, ConfigMap, ServiceAccount, Deployment, Services, PDB, HPA, NetworkPolicy."""

    namespace: pulumi.Output[str]
    service_name: pulumi.Output[str]
    port: int = HTTP_PORT
    health_port: int = HEALTH_PORT

    def __init__(
        self, name: str, args: GatewayArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("gateway", "Gateway"), name, None, opts)
        labels = {**args.labels, **SELECTOR}
        child = pulumi.ResourceOptions(parent=self)
        self.namespace_object = restricted_namespace(
            f"{name}-namespace", args.namespace, {**labels, **READINESS_GATE}, child
        )
        namespace = self.namespace_object.metadata.name

        def metadata(annotations: dict[str, str] | None = None) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(
                name=NAME, namespace=namespace, labels=labels, annotations=annotations
            )

        self.config_map = k8s.core.v1.ConfigMap(
            f"{name}-config",
            metadata=metadata(),
            data={CONFIG_KEY: args.config_text, **dict(sorted(args.lua_sources.items()))},
            opts=child,
        )
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-sa", metadata=metadata(), automount_service_account_token=False, opts=child
        )
        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=metadata(dict(args.deployment_annotations) or None),
            spec=gateway_deployment_spec(args, SELECTOR, NAME, NAME),
            opts=pulumi.ResourceOptions(
                parent=self, ignore_changes=["spec.replicas"], depends_on=[self.config_map]
            ),
        )
        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=metadata(),
            spec=_traffic_spec(),
            opts=child,
        )
        self.peers_service = k8s.core.v1.Service(
            f"{name}-peers",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=PEERS_SERVICE, namespace=namespace, labels=labels
            ),
            spec=_peers_spec(),
            opts=child,
        )
        self.disruption_budget = k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb",
            metadata=metadata(),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=f"{args.batch_percent}%",
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=SELECTOR),
            ),
            opts=child,
        )
        self.autoscaler = k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-hpa",
            metadata=metadata(),
            spec=_autoscaler_spec(args),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.deployment]),
        )
        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-netpol",
            metadata=metadata(),
            spec=gateway_network_policy(args, SELECTOR),
            opts=child,
        )
        self.namespace = namespace
        self.service_name = self.service.metadata.name
        self.register_outputs({"namespace": namespace, "service": self.service_name})


def _traffic_spec() -> k8s.core.v1.ServiceSpecArgs:
    """The Service the load balancer's TargetGroupBinding registers: traffic and health ports."""
    return k8s.core.v1.ServiceSpecArgs(
        type="ClusterIP",
        selector=SELECTOR,
        ports=[
            k8s.core.v1.ServicePortArgs(
                name="mcp", port=HTTP_PORT, target_port="mcp", protocol="TCP"
            ),
            k8s.core.v1.ServicePortArgs(
                name="health", port=HEALTH_PORT, target_port="health", protocol="TCP"
            ),
        ],
    )


def _peers_spec() -> k8s.core.v1.ServiceSpecArgs:
    """Headless over the ready gateway pods: the SRV record each replica counts its peers by."""
    return k8s.core.v1.ServiceSpecArgs(
        type="ClusterIP",
        cluster_ip="None",
        publish_not_ready_addresses=False,
        selector=SELECTOR,
        ports=[
            k8s.core.v1.ServicePortArgs(
                name=PEERS_PORT_NAME, port=HEALTH_PORT, target_port="health", protocol="TCP"
            )
        ],
    )


def _autoscaler_spec(args: GatewayArgs) -> k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs:
    return k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
        scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
            api_version="apps/v1", kind="Deployment", name=NAME
        ),
        min_replicas=args.min_replicas,
        max_replicas=args.max_replicas,
        metrics=[
            k8s.autoscaling.v2.MetricSpecArgs(
                type="Resource",
                resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                    name="cpu",
                    target=k8s.autoscaling.v2.MetricTargetArgs(
                        type="Utilization", average_utilization=args.target_cpu_utilization
                    ),
                ),
            )
        ],
    )
