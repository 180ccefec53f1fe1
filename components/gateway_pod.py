"""The gateway's Deployment spec: HAProxy from the pinned image, the rendered config mounted.

The fleet's rules hold here too: restricted pod security, a quarter of the replicas replaced
at once, spread over zones, a preStop pause while the load balancer deregisters the pod.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi_kubernetes as k8s

from components.fleet import termination_grace_seconds
from components.gateway_args import HEALTH_PORT, HTTP_PORT, GatewayArgs
from components.pod_security import restricted_container_context, restricted_pod_context
from telemetry.otel_env import container_env

CONFIG_DIR = "/etc/haproxy/conf"
CONFIG_FILE = f"{CONFIG_DIR}/haproxy.cfg"
LUA_DIR = "/etc/haproxy/lua"
KEY_DIR = "/etc/haproxy/keys"
CONFIG_DIGEST_ANNOTATION = "mcp-fleet.io/gateway-config-sha256"


def _volumes(args: GatewayArgs, config_map: str) -> list[k8s.core.v1.VolumeArgs]:
    def items(*keys: str) -> k8s.core.v1.ConfigMapVolumeSourceArgs:
        return k8s.core.v1.ConfigMapVolumeSourceArgs(
            name=config_map, items=[k8s.core.v1.KeyToPathArgs(key=key, path=key) for key in keys]
        )

    return [
        k8s.core.v1.VolumeArgs(name="config", config_map=items("haproxy.cfg")),
        k8s.core.v1.VolumeArgs(name="lua", config_map=items(*sorted(args.lua_sources))),
        k8s.core.v1.VolumeArgs(
            name="tenant-keys",
            secret=k8s.core.v1.SecretVolumeSourceArgs(secret_name=args.tenant_keys_secret),
        ),
        k8s.core.v1.VolumeArgs(
            name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="16Mi")
        ),
    ]


def _env(args: GatewayArgs) -> list[k8s.core.v1.EnvVarArgs]:
    """The standard OTEL_* variables, and each remote server's credential from its Secret,
    named as the configuration reads it."""
    telemetry = [
        k8s.core.v1.EnvVarArgs(name=variable["name"], value=variable["value"])
        for variable in (container_env(args.telemetry) if args.telemetry else [])
    ]
    return telemetry + [
        k8s.core.v1.EnvVarArgs(
            name=credential.env,
            value_from=k8s.core.v1.EnvVarSourceArgs(
                secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(
                    name=credential.secret_name, key=credential.secret_key
                )
            ),
        )
        for credential in args.remote_credentials
    ]


def _container(args: GatewayArgs) -> k8s.core.v1.ContainerArgs:
    health = k8s.core.v1.HTTPGetActionArgs(path="/healthz", port="health")
    return k8s.core.v1.ContainerArgs(
        name="haproxy",
        image=args.image,
        image_pull_policy="IfNotPresent",
        # -W: master-worker (reloads without dropping connections); -db: stay in foreground.
        command=["haproxy", "-W", "-db", "-f", CONFIG_FILE],
        ports=[
            k8s.core.v1.ContainerPortArgs(name="mcp", container_port=HTTP_PORT, protocol="TCP"),
            k8s.core.v1.ContainerPortArgs(
                name="health", container_port=HEALTH_PORT, protocol="TCP"
            ),
        ],
        env=_env(args),
        resources=k8s.core.v1.ResourceRequirementsArgs(
            requests={"cpu": "250m", "memory": "256Mi"},
            limits={"cpu": "1", "memory": "512Mi"},
        ),
        readiness_probe=k8s.core.v1.ProbeArgs(http_get=health, period_seconds=5),
        liveness_probe=k8s.core.v1.ProbeArgs(
            http_get=health, period_seconds=10, failure_threshold=3
        ),
        lifecycle=k8s.core.v1.LifecycleArgs(
            pre_stop=k8s.core.v1.LifecycleHandlerArgs(
                sleep=k8s.core.v1.SleepActionArgs(seconds=args.drain_seconds)
            )
        ),
        security_context=restricted_container_context(args.run_as_user),
        volume_mounts=[
            k8s.core.v1.VolumeMountArgs(name="config", mount_path=CONFIG_DIR, read_only=True),
            k8s.core.v1.VolumeMountArgs(name="lua", mount_path=LUA_DIR, read_only=True),
            k8s.core.v1.VolumeMountArgs(name="tenant-keys", mount_path=KEY_DIR, read_only=True),
            k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
        ],
    )


def gateway_deployment_spec(
    args: GatewayArgs, selector: Mapping[str, str], config_map: str, service_account: str
) -> k8s.apps.v1.DeploymentSpecArgs:
    batch = f"{args.batch_percent}%"
    spread = [
        k8s.core.v1.TopologySpreadConstraintArgs(
            max_skew=1,
            topology_key=key,
            when_unsatisfiable=when,
            label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(selector)),
        )
        for key, when in (
            ("topology.kubernetes.io/zone", "DoNotSchedule"),
            ("kubernetes.io/hostname", "ScheduleAnyway"),
        )
    ]
    return k8s.apps.v1.DeploymentSpecArgs(
        replicas=args.min_replicas,
        revision_history_limit=5,
        min_ready_seconds=10,
        selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(selector)),
        strategy=k8s.apps.v1.DeploymentStrategyArgs(
            type="RollingUpdate",
            rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(
                max_unavailable=batch, max_surge=batch
            ),
        ),
        template=k8s.core.v1.PodTemplateSpecArgs(
            metadata=k8s.meta.v1.ObjectMetaArgs(
                labels={**args.labels, **selector},
                annotations={CONFIG_DIGEST_ANNOTATION: args.config_digest},
            ),
            spec=k8s.core.v1.PodSpecArgs(
                service_account_name=service_account,
                automount_service_account_token=False,
                enable_service_links=False,
                termination_grace_period_seconds=termination_grace_seconds(args.drain_seconds),
                security_context=restricted_pod_context(args.run_as_user),
                containers=[_container(args)],
                volumes=_volumes(args, config_map),
                topology_spread_constraints=spread,
            ),
        ),
    )
