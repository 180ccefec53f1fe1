"""Observability built in-process from hand-made Args: three variants, like dev/staging/prod.

Each variant is shaped like the slice of Settings the observability tests read (servers,
observability, cluster, region), so the tests state expectations the same way; the
component is built from ``ObservabilityArgs`` made here, on its own under Pulumi's mocks,
with plain strings standing in for the load balancer's ARN suffixes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from components.alarms import AlarmScope
from components.log_collection import FleetLogsArgs
from components.observability import MonitoredServer, Observability, ObservabilityArgs
from components.paging import PagingArgs, Subscribers
from review.render import RenderedStack
from stacks.fleet_plan import PlannedServer
from tests.components.factories import fleet_tags, planned_server, server_tags
from tests.components.harness import ACCOUNT, REGION, build

OIDC = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.{REGION}.amazonaws.com/id/5C7A1E0D9B"


@dataclass(frozen=True)
class Watched:
    saturation_percent: int = 90
    log_retention_days: int = 30
    page_from_dev: bool = False
    page: Subscribers = field(default_factory=Subscribers)
    ticket: Subscribers = field(default_factory=Subscribers)


@dataclass(frozen=True)
class Cluster:
    name: str
    oidc_provider_arn: str = OIDC


@dataclass(frozen=True)
class Variant:
    stack: str
    servers: tuple[PlannedServer, ...]
    observability: Watched
    cluster: Cluster
    region: str = REGION
    notify: bool = field(default=True)


def _server(name: str, **values: Any) -> PlannedServer:
    return planned_server(name, **values)


GITHUB = {"tier": "tier-1", "success_rate": 99.5, "p95_latency_ms": 300}
JIRA = {"tier": "tier-2", "success_rate": 99.0, "p95_latency_ms": 400}
K8S = {"tier": "tier-3", "success_rate": 99.0, "p95_latency_ms": 400, "tenant": "research"}
POSTGRES = {"tier": "tier-1", "success_rate": 99.9, "p95_latency_ms": 350, "port": 9000,
            "tenant": "research"}  # fmt: skip
ONCALL = Subscribers(emails=("sre-oncall@example.com",))
TICKETS = Subscribers(emails=("platform-tickets@example.com",))
PAGER = "https://events.pagerduty.example/integration/mcp-fleet-prod/enqueue"

VARIANTS = {
    "dev": Variant(
        "dev",
        (_server("github", **GITHUB), _server("jira", **JIRA), _server("k8s-readonly", **K8S)),
        Watched(log_retention_days=7),
        Cluster("platform-dev"),
        notify=False,
    ),
    "staging": Variant(
        "staging",
        (_server("github", **GITHUB), _server("jira", **JIRA), _server("k8s-readonly", **K8S)),
        Watched(page=ONCALL, ticket=TICKETS),
        Cluster("platform-staging"),
    ),
    "prod": Variant(
        "prod",
        (_server("github", **GITHUB), _server("slack", **JIRA),
         _server("postgres-query", **POSTGRES)),
        Watched(log_retention_days=90, page=Subscribers(ONCALL.emails, (PAGER,)), ticket=TICKETS),
        Cluster("platform-prod"),
    ),
}  # fmt: skip
STACKS = tuple(VARIANTS)


def variant(stack: str) -> Variant:
    return VARIANTS[stack]


def load_balancer_suffix(stack: str) -> str:
    return f"app/mcp-fleet-{stack}/0123456789abcdef"


def gateway_target_group_suffix(stack: str) -> str:
    return f"targetgroup/mcp-{stack}-gateway/fedcba9876543210"


def observability_args(case: Variant) -> ObservabilityArgs:
    """What Platform would hand Observability for this variant."""
    prefix, title = f"mcp-fleet-{case.stack}", f"mcp-fleet {case.stack}"
    tags = fleet_tags(case.stack)
    return ObservabilityArgs(
        project="mcp-fleet",
        region=case.region,
        paging=PagingArgs(
            name_prefix=prefix,
            title=title,
            region=case.region,
            page=case.observability.page,
            ticket=case.observability.ticket,
            key_deletion_window_days=30,
            tags=tags,
        ),
        logs=FleetLogsArgs(
            name_prefix=prefix,
            title=title,
            cluster_name=case.cluster.name,
            oidc_provider_arn=case.cluster.oidc_provider_arn,
            region=case.region,
            retention_days=case.observability.log_retention_days,
            key_deletion_window_days=30,
            tags=tags,
        ),
        alarms=AlarmScope(
            name_prefix=prefix,
            stack=case.stack,
            environment=case.stack,
            cluster_name=case.cluster.name,
            saturation_percent=case.observability.saturation_percent,
        ),
        notify=case.notify,
        servers=[
            MonitoredServer(server=server, tags=server_tags(server, case.stack))
            for server in case.servers
        ],
        load_balancer_arn_suffix=load_balancer_suffix(case.stack),
        gateway_target_group_arn_suffix=gateway_target_group_suffix(case.stack),
    )


def build_observability(args: ObservabilityArgs, stack: str) -> RenderedStack:
    make: Callable[[], Observability] = lambda: Observability("mcp-observability", args)  # noqa: E731
    return build(make, stack=stack).stack


@cache
def built(stack: str) -> RenderedStack:
    """The variant's Observability, built once per test process (plain records)."""
    return build_observability(observability_args(variant(stack)), stack)
