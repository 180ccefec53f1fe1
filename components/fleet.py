"""McpServer: one catalog server running on Kubernetes the way the operate guide asks.

Rolling updates replace at most a quarter of the replicas at once, pods drain for the
configured time before they stop, probes use the catalog's health paths, the pod runs under
the Pod Security Standard "restricted", and only the gateway's pods may reach it; it may
call only what its catalog entry declares (``egress``), besides DNS and the collector.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.labels import selector_labels
from components.pod_security import restricted_container_context, restricted_pod_context
from components.server_rollout import ServerRolloutObjects, waited_for
from components.server_secrets_mount import ServerSecretsMount
from components.server_service import server_service_spec
from components.tenant_network import EgressDependency, GatewayPeer, server_network_policy
from delivery import manifests
from delivery.plan import RolloutPlan
from policy.contract import component_type
from stacks.fleet_plan import PlannedServer
from telemetry.otel_env import ServerTelemetry, container_env

HTTP_PORT_NAME = "http"
RUN_AS_USER = 65532
"""The nonroot user of distroless images: any non-zero uid satisfies runAsNonRoot."""
TERMINATION_MARGIN_SECONDS = 15
"""Grace beyond the drain for the server to finish in-flight tool calls after the pause."""


@dataclass(frozen=True)
class Rollout:
    """How a server's pods are replaced and scaled: the fleet's settings, the same for all."""

    batch_percent: int
    """Percent of replicas replaced at once, and the most a disruption may take down."""
    drain_seconds: int
    """Seconds a stopping pod keeps serving while the load balancer deregisters it."""
    target_cpu_utilization: int

    def __post_init__(self) -> None:
        if not 1 <= self.batch_percent <= 50:
            raise ValueError(
                f"McpServer: rollout batch_percent {self.batch_percent} is outside 1-50; "
                "more than half at once is no longer a rolling update"
            )
        if self.drain_seconds < 0:
            raise ValueError(f"McpServer: drain_seconds {self.drain_seconds} is negative")
        if not 1 <= self.target_cpu_utilization <= 100:
            raise ValueError(
                f"McpServer: target_cpu_utilization {self.target_cpu_utilization} is not a "
                "percentage (1-100)"
            )


@dataclass(frozen=True)
class McpServerArgs:
    server: PlannedServer
    environment: str
    """Handed to the server as MCP_ENVIRONMENT, so its log lines say where they come from."""
    namespace: pulumi.Input[str]
    gateway: GatewayPeer
    """The gateway's namespace and pod labels: the only caller the NetworkPolicy admits."""
    labels: Mapping[str, str]
    """The server's standard labels, on every object and pod."""
    rollout: Rollout
    deployment_annotations: Mapping[str, str] = field(default_factory=dict)
    """The signed catalog entry, stamped so the policy pack can judge what it sees."""
    delivery: RolloutPlan | None = None
    """The server's progressive delivery (docs/delivery.md): with it, an Argo Rollout takes
    over the Deployment, the autoscaler scales the Rollout and pods drain for the plan's
    ``pod_drain_seconds``. Without it, the Deployment rolls by itself as before."""
    secrets: ServerSecretsMount | None = None
    """The tenant's role for this server (on its ServiceAccount) and its secrets volume."""
    telemetry: ServerTelemetry | None = None
    """The collector the server reports to, as ``OTEL_*`` variables; None: no variables."""

    def __post_init__(self) -> None:
        _check_plan(self)
        selector = selector_labels(self.server)
        differing = {k: v for k, v in selector.items() if self.labels.get(k) != v}
        if differing:
            raise ValueError(
                f"McpServer {self.server.name}: labels must include the pod selector "
                f"{selector}; these differ or are missing: {differing}"
            )


def _check_plan(args: McpServerArgs) -> None:
    """A plan made for another server, namespace or batch would roll the wrong thing."""
    plan, server = args.delivery, args.server
    if plan is None:
        return
    expected = (server.name, server.namespace, args.rollout.batch_percent)
    found = (plan.server, plan.namespace, plan.max_surge_percent)
    if found != expected:
        raise ValueError(
            f"McpServer {server.name}: the rollout plan is for (server, namespace, batch) "
            f"{found}; it must be {expected}, planned from this server and the fleet's batch"
        )


def termination_grace_seconds(drain_seconds: int) -> int:
    return drain_seconds + TERMINATION_MARGIN_SECONDS


def pod_drain_seconds(args: McpServerArgs) -> int:
    """The plan's drain when there is one (a stateful server's session idle timeout)."""
    return args.delivery.pod_drain_seconds if args.delivery else args.rollout.drain_seconds


class McpServer(pulumi.ComponentResource):
    """ServiceAccount, Deployment, Service, PodDisruptionBudget, HPA and NetworkPolicy.

    The objects go to the cluster the caller names in ``opts.providers``.
    """

    service_name: pulumi.Output[str]
    namespace: pulumi.Output[str]
    port: int

    def __init__(
        self, name: str, args: McpServerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("fleet", "McpServer"), name, None, opts)
        server = args.server
        selector = selector_labels(server)
        child = pulumi.ResourceOptions(parent=self)
        self.port = server.entry.port

        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata=_metadata(args, args.secrets.service_account_annotations())
            if args.secrets
            else _metadata(args),
            automount_service_account_token=False,
            opts=child,
        )
        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=_metadata(args, args.deployment_annotations),
            spec=_deployment_spec(args, selector),
            opts=pulumi.ResourceOptions(
                parent=self,
                # The autoscaler owns the replica count once the Deployment exists.
                ignore_changes=["spec.replicas"],
            ),
        )
        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=_metadata(args),
            spec=server_service_spec(server.entry.port, HTTP_PORT_NAME, selector),
            opts=child,
        )
        self.disruption_budget = k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb",
            metadata=_metadata(args),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=f"{args.rollout.batch_percent}%",
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
            ),
            opts=child,
        )
        self.autoscaler = k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-hpa",
            metadata=_metadata(args),
            spec=self._autoscaler_spec(args),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.deployment]),
        )
        self.rollout = (
            ServerRolloutObjects(
                name,
                args.delivery,
                port=server.entry.port,
                selector=selector,
                labels=args.labels,
                namespace=args.namespace,
                parent=self,
                after=self.deployment,
                crds=waited_for(opts),
            )
            if args.delivery
            else None
        )
        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-netpol", metadata=_metadata(args), spec=_network_policy(args), opts=child
        )
        self.service_name = self.service.metadata.name
        self.namespace = pulumi.Output.from_input(args.namespace)
        self.register_outputs(
            {
                "deployment": self.deployment.metadata.name,
                "service": self.service_name,
                "namespace": self.namespace,
                "port": self.port,
            }
        )

    @staticmethod
    def _autoscaler_spec(args: McpServerArgs) -> k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs:
        server, rollout = args.server, args.rollout
        plan = server.capacity
        return k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
            scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                **_scale_target(args)
            ),
            min_replicas=plan.min_replicas,
            max_replicas=plan.max_replicas,
            metrics=[
                k8s.autoscaling.v2.MetricSpecArgs(
                    type="Resource",
                    resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                        name="cpu",
                        target=k8s.autoscaling.v2.MetricTargetArgs(
                            type="Utilization",
                            average_utilization=rollout.target_cpu_utilization,
                        ),
                    ),
                )
            ],
            # Scale up fast, scale down a rollout batch at a time after five quiet minutes.
            behavior=k8s.autoscaling.v2.HorizontalPodAutoscalerBehaviorArgs(
                scale_up=k8s.autoscaling.v2.HPAScalingRulesArgs(
                    stabilization_window_seconds=0,
                    policies=[
                        k8s.autoscaling.v2.HPAScalingPolicyArgs(
                            type="Percent", value=100, period_seconds=30
                        )
                    ],
                ),
                scale_down=k8s.autoscaling.v2.HPAScalingRulesArgs(
                    stabilization_window_seconds=300,
                    policies=[
                        k8s.autoscaling.v2.HPAScalingPolicyArgs(
                            type="Percent",
                            value=rollout.batch_percent,
                            period_seconds=60,
                        )
                    ],
                ),
            ),
        )


def _scale_target(args: McpServerArgs) -> dict[str, str]:
    """The Rollout owns the replica count once it takes over; the Deployment otherwise."""
    if args.delivery:
        target = manifests.autoscaler_target(args.server.name)
        return {"api_version": target["apiVersion"], "kind": target["kind"], "name": target["name"]}
    return {"api_version": "apps/v1", "kind": "Deployment", "name": args.server.name}


def _metadata(
    args: McpServerArgs, annotations: Mapping[str, pulumi.Input[str]] | None = None
) -> k8s.meta.v1.ObjectMetaArgs:
    """Every object of a server: named after it, in its tenant's namespace, labelled alike."""
    return k8s.meta.v1.ObjectMetaArgs(
        name=args.server.name,
        namespace=args.namespace,
        labels=dict(args.labels),
        annotations=dict(annotations) if annotations else None,
    )


def _network_policy(args: McpServerArgs) -> k8s.networking.v1.NetworkPolicySpecArgs:
    """In from the gateway's pods on the server's port; out to the entry's declared egress."""
    server = args.server
    return server_network_policy(
        selector_labels(server),
        server.entry.port,
        args.gateway,
        [EgressDependency.from_catalog(rule) for rule in server.entry.egress],
    )


def _container(args: McpServerArgs) -> k8s.core.v1.ContainerArgs:
    """The server's one container: pinned image, catalog probes, planned resources, drain."""
    server = args.server
    entry, plan = server.entry, server.capacity

    def probe(path: str, period: int, failures: int) -> k8s.core.v1.ProbeArgs:
        return k8s.core.v1.ProbeArgs(
            http_get=k8s.core.v1.HTTPGetActionArgs(path=path, port=HTTP_PORT_NAME),
            period_seconds=period,
            timeout_seconds=2,
            failure_threshold=failures,
        )

    return k8s.core.v1.ContainerArgs(
        name="mcp-server",
        image=entry.image,
        image_pull_policy="IfNotPresent",
        ports=[
            k8s.core.v1.ContainerPortArgs(
                name=HTTP_PORT_NAME, container_port=entry.port, protocol="TCP"
            )
        ],
        env=[
            k8s.core.v1.EnvVarArgs(name="MCP_SERVER", value=server.name),
            k8s.core.v1.EnvVarArgs(name="MCP_TENANT", value=server.tenant),
            k8s.core.v1.EnvVarArgs(name="MCP_ENVIRONMENT", value=args.environment),
            k8s.core.v1.EnvVarArgs(name="MCP_TRANSPORT", value=entry.transport),
            k8s.core.v1.EnvVarArgs(name="MCP_PATH", value=entry.mcp_path),
            k8s.core.v1.EnvVarArgs(name="LOG_FORMAT", value="json"),
            *[
                k8s.core.v1.EnvVarArgs(name=variable["name"], value=variable["value"])
                for variable in (container_env(args.telemetry) if args.telemetry else [])
            ],
        ],
        resources=k8s.core.v1.ResourceRequirementsArgs(
            requests={"cpu": plan.cpu_request, "memory": plan.memory_request},
            limits={"cpu": plan.cpu_limit, "memory": plan.memory_limit},
        ),
        # Startup gives a slow boot a minute before liveness may restart it.
        startup_probe=probe(entry.health.startup_path, period=2, failures=30),
        readiness_probe=probe(entry.health.readiness, period=5, failures=2),
        liveness_probe=probe(entry.health.liveness, period=10, failures=3),
        # The pause keeps serving while the load balancer deregisters the pod; the native
        # sleep action needs no shell, which a distroless image does not have.
        lifecycle=k8s.core.v1.LifecycleArgs(
            pre_stop=k8s.core.v1.LifecycleHandlerArgs(
                sleep=k8s.core.v1.SleepActionArgs(seconds=pod_drain_seconds(args))
            )
        ),
        security_context=restricted_container_context(RUN_AS_USER),
        volume_mounts=[
            k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
            *([args.secrets.mount()] if args.secrets else []),
        ],
    )


def _deployment_spec(
    args: McpServerArgs, selector: Mapping[str, str]
) -> k8s.apps.v1.DeploymentSpecArgs:
    batch = f"{args.rollout.batch_percent}%"
    spread = [
        k8s.core.v1.TopologySpreadConstraintArgs(
            max_skew=1,
            topology_key=topology_key,
            when_unsatisfiable=when,
            label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
        )
        for topology_key, when in (
            ("topology.kubernetes.io/zone", "DoNotSchedule"),
            ("kubernetes.io/hostname", "ScheduleAnyway"),
        )
    ]
    return k8s.apps.v1.DeploymentSpecArgs(
        replicas=args.server.capacity.min_replicas,
        revision_history_limit=5,
        progress_deadline_seconds=600,
        min_ready_seconds=10,
        selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
        strategy=k8s.apps.v1.DeploymentStrategyArgs(
            type="RollingUpdate",
            rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(
                max_unavailable=batch, max_surge=batch
            ),
        ),
        template=k8s.core.v1.PodTemplateSpecArgs(
            metadata=k8s.meta.v1.ObjectMetaArgs(labels=dict(args.labels)),
            spec=k8s.core.v1.PodSpecArgs(
                service_account_name=args.server.name,
                automount_service_account_token=False,
                enable_service_links=False,
                termination_grace_period_seconds=termination_grace_seconds(pod_drain_seconds(args)),
                security_context=restricted_pod_context(RUN_AS_USER),
                containers=[_container(args)],
                volumes=[
                    k8s.core.v1.VolumeArgs(
                        name="tmp",
                        empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="64Mi"),
                    ),
                    *([args.secrets.volume()] if args.secrets else []),
                ],
                topology_spread_constraints=spread,
            ),
        ),
    )
