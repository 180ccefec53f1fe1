"""LoadBalancer built in-process from hand-made inputs: three variants, like dev/staging/prod.

Each variant is shaped like the slice of Settings the load balancer tests read (network,
load_balancer, fleet, servers, cluster), so the tests state their expectations the same
way; the component is built from ``LoadBalancerArgs`` made here, with an ``McpServer`` per
server as the routes' backends, on its own under Pulumi's mocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from catalog.entry import SessionMode
from components.access_log_bucket import AccessLogBucketArgs
from components.fleet import McpServer
from components.load_balancer import LoadBalancer, LoadBalancerArgs, LoadBalancerNetwork, Route
from components.load_balancer_names import load_balancer_name
from review.render import RenderedStack
from stacks.fleet_plan import PlannedServer
from tests.components.factories import OIDC, fleet_tags, planned_server, server_labels, server_tags
from tests.components.harness import build, cluster, on_cluster
from tests.components.test_mcp_server import server_args

DOMAIN = "mcp.example.com"


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
    servers: tuple[PlannedServer, ...]
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


def _servers(*names: str, stateful: str | None = None) -> tuple[PlannedServer, ...]:
    ports = {"search": 8080, "tickets": 9090, "sessions": 8080}
    return tuple(
        planned_server(
            name,
            port=ports.get(name, 8080),
            session_mode="stateful" if name == stateful else "stateless",
            tenant="research" if name == "tickets" else "storefront",
            domain=DOMAIN,
        )
        for name in names
    )


VARIANTS = {
    "dev": Variant(
        "dev", _network(), Balancer(deletion_protection=False, access_log_retention_days=7),
        _servers("search", "sessions", stateful="sessions"),
    ),
    "staging": Variant(
        "staging", _network(ingress=("203.0.113.0/24", "2001:db8::/32")),
        Balancer(deletion_protection=True, access_log_retention_days=90),
        _servers("search", "tickets", "sessions", stateful="sessions"),
    ),
    "prod": Variant(
        "prod", _network(zones=3), Balancer(deletion_protection=True, access_log_retention_days=365),
        _servers("search", "tickets", "sessions", stateful="sessions"),
    ),
}  # fmt: skip
STACKS = list(VARIANTS)


def variant(stack: str) -> Variant:
    return VARIANTS[stack]


def load_balancer_args(case: Variant, backends: dict[str, McpServer]) -> LoadBalancerArgs:
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
        routes=[
            Route(
                server=server.name,
                hostname=server.hostname,
                readiness_path=server.entry.health.readiness,
                stateful=server.entry.session_mode is SessionMode.STATEFUL,
                tags=server_tags(server, case.environment),
                labels=server_labels(server, case.environment),
                backend=backends[server.name],
            )
            for server in case.servers
        ],
        tags=fleet_tags(case.environment),
        ssl_policy=case.load_balancer.ssl_policy,
        idle_timeout_seconds=case.load_balancer.idle_timeout_seconds,
        deletion_protection=case.load_balancer.deletion_protection,
        drain_seconds=case.fleet.drain_seconds,
    )


def _construct(case: Variant) -> LoadBalancer:
    on = on_cluster(cluster())
    backends = {
        server.name: McpServer(f"mcp-{server.name}", server_args(server), opts=on)
        for server in case.servers
    }
    return LoadBalancer("mcp-lb", load_balancer_args(case, backends), opts=on)


@cache
def built(stack: str) -> RenderedStack:
    """The variant's McpServers and LoadBalancer, built once per test process."""
    return build(lambda: _construct(variant(stack)), stack=stack).stack
