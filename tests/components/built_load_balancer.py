"""LoadBalancer built in-process from hand-made inputs: three variants, like dev/staging/prod.

Each variant is shaped like the slice of Settings the load balancer tests read (network,
load_balancer, fleet, cluster); the component is built from ``LoadBalancerArgs`` made here,
in front of a real ``Gateway`` component (its one backend), on its own under Pulumi's mocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from components.access_log_bucket import AccessLogBucketArgs
from components.gateway import Gateway
from components.load_balancer import LoadBalancer
from components.load_balancer_args import GatewayTarget, LoadBalancerArgs, LoadBalancerNetwork
from components.load_balancer_names import load_balancer_name
from review.render import RenderedStack
from tests.components.factories import OIDC, fleet_tags
from tests.components.harness import build, cluster, on_cluster
from tests.components.test_gateway import args as gateway_args

DOMAIN = "mcp.example.com"
HEALTH_PATH = "/healthz"


@dataclass(frozen=True)
class Network:
    vpc_id: str
    public_subnet_ids: tuple[str, ...]
    private_subnet_ids: tuple[str, ...]
    ingress_cidrs: tuple[str, ...]
    certificate_arn: str
    domain: str = DOMAIN


@dataclass(frozen=True)
class Balancer:
    deletion_protection: bool
    access_log_retention_days: int
    idle_timeout_seconds: int = 300
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass(frozen=True)
class Fleet:
    drain_seconds: int = 30


@dataclass(frozen=True)
class Cluster:
    oidc_provider_arn: str = OIDC


@dataclass(frozen=True)
class Variant:
    environment: str
    network: Network
    load_balancer: Balancer
    hosts: tuple[str, ...] = (DOMAIN,)
    fleet: Fleet = Fleet()
    cluster: Cluster = Cluster()


CERTIFICATE = (
    "arn:aws:acm:eu-west-1:111122223333:certificate/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12
)


def _network(*, ingress: tuple[str, ...] = ("0.0.0.0/0",), zones: int = 2) -> Network:
    return Network(
        vpc_id="vpc-0abc1234",
        public_subnet_ids=tuple(f"subnet-0pub{zone}000" for zone in range(zones)),
        private_subnet_ids=tuple(f"subnet-0prv{zone}000" for zone in range(zones)),
        ingress_cidrs=ingress,
        certificate_arn=CERTIFICATE,
    )


ALIASES = tuple(f"alias-{i}.example.com" for i in range(6))
"""Seven host names in prod: two rules (five names, then two)."""

VARIANTS = {
    "dev": Variant(
        "dev", _network(), Balancer(deletion_protection=False, access_log_retention_days=7),
    ),
    "staging": Variant(
        "staging", _network(ingress=("203.0.113.0/24", "2001:db8::/32")),
        Balancer(deletion_protection=True, access_log_retention_days=90),
    ),
    "prod": Variant(
        "prod", _network(zones=3), Balancer(deletion_protection=True, access_log_retention_days=365),
        hosts=(DOMAIN, *ALIASES),
    ),
}  # fmt: skip
STACKS = list(VARIANTS)


def variant(stack: str) -> Variant:
    return VARIANTS[stack]


def gateway_target(gateway: Gateway | None) -> GatewayTarget:
    """What Platform hands the load balancer about the gateway (stand-ins when ``None``)."""
    return GatewayTarget(
        namespace=gateway.namespace if gateway else "mcp-gateway",
        service_name=gateway.service_name if gateway else "mcp-gateway",
        port=Gateway.port,
        health_port=Gateway.health_port,
        health_path=HEALTH_PATH,
        labels=fleet_tags(),
        service=gateway.service if gateway else None,
    )


def load_balancer_args(case: Variant, gateway: Gateway | None) -> LoadBalancerArgs:
    """What Platform would hand the load balancer for this variant."""
    return LoadBalancerArgs(
        load_balancer_name=load_balancer_name(f"mcp-fleet-{case.environment}"),
        environment=case.environment,
        network=LoadBalancerNetwork(
            vpc_id=case.network.vpc_id,
            public_subnet_ids=case.network.public_subnet_ids,
            private_subnet_ids=case.network.private_subnet_ids,
            ingress_cidrs=case.network.ingress_cidrs,
            certificate_arn=case.network.certificate_arn,
        ),
        access_logs=AccessLogBucketArgs(
            bucket_prefix=f"mcp-fleet-{case.environment}-alb-logs-",
            prefix="alb",
            retention_days=case.load_balancer.access_log_retention_days,
            force_destroy=not case.load_balancer.deletion_protection,
            tags=fleet_tags(case.environment),
        ),
        gateway=gateway_target(gateway),
        hosts=case.hosts,
        tags=fleet_tags(case.environment),
        ssl_policy=case.load_balancer.ssl_policy,
        idle_timeout_seconds=case.load_balancer.idle_timeout_seconds,
        deletion_protection=case.load_balancer.deletion_protection,
        drain_seconds=case.fleet.drain_seconds,
    )


def _construct(case: Variant) -> LoadBalancer:
    on = on_cluster(cluster())
    gateway = Gateway("mcp-gateway", gateway_args(), opts=on)
    return LoadBalancer("mcp-lb", load_balancer_args(case, gateway), opts=on)


@cache
def built(stack: str) -> RenderedStack:
    """The variant's Gateway and LoadBalancer, built once per test process."""
    return build(lambda: _construct(variant(stack)), stack=stack).stack
