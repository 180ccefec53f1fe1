"""The ``egress`` list of a catalog entry: where a server's pods may open connections.

A tenant namespace denies all egress except DNS and the telemetry collector
(``components/tenant_namespace.py``), so a server that calls an upstream API, a database or an
in-cluster service declares it here and its owners sign it with the rest of the entry. Each
rule becomes an egress rule of that server's own NetworkPolicy (its pods only, never the
tenant's other servers). NetworkPolicy matches addresses, not host names, so a rule names
CIDR blocks or a namespace; a SaaS API behind changing addresses is reached through the
gateway as a ``remote`` server or through an egress proxy instead (docs/tenancy.md).
"""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator, model_validator

from stacks.model_base import CamelModel, CidrBlock, DnsLabel, Integer

Port = Integer
"""A TCP/UDP port; the range is checked per rule so the message names the rule."""

SHORTEST_PREFIX = {4: 8, 6: 16}
"""A shorter prefix (0.0.0.0/0, a /4) admits most of the internet: not a dependency."""
RESERVED_NAMESPACES = ("kube-system",)
"""DNS is already admitted to every pod; nothing else in kube-system is a server's upstream."""


class EgressRule(CamelModel):
    """One dependency: CIDR blocks outside the cluster, or one namespace inside it."""

    name: DnsLabel = Field(description="what is called, a DNS label like orders-db")
    ports: tuple[Port, ...] = Field(min_length=1, description="destination ports, like [5432]")
    cidrs: tuple[CidrBlock, ...] = Field(
        default=(), description="address blocks, like [10.20.0.0/24]; or give namespace"
    )
    namespace: DnsLabel | None = Field(
        default=None, description="an in-cluster namespace, like search-index; or give cidrs"
    )
    protocol: Literal["TCP", "UDP"] = "TCP"

    @field_validator("ports")
    @classmethod
    def _ports_in_range(cls, ports: tuple[int, ...]) -> tuple[int, ...]:
        wrong = [port for port in ports if not 1 <= port <= 65535]
        if wrong:
            raise ValueError(f"ports {wrong} are outside 1-65535")
        if len(set(ports)) != len(ports):
            raise ValueError(f"ports {list(ports)} repeat a port; list each once")
        return ports

    @field_validator("cidrs")
    @classmethod
    def _narrow_enough(cls, cidrs: tuple[str, ...]) -> tuple[str, ...]:
        for block in cidrs:
            network = ipaddress.ip_network(block)
            shortest = SHORTEST_PREFIX[network.version]
            if network.prefixlen < shortest:
                raise ValueError(
                    f"{block} admits most of the internet (prefix shorter than /{shortest}); "
                    "declare the upstream's own ranges, or reach a SaaS API through the "
                    "gateway as a remote server or through an egress proxy"
                )
        return cidrs

    @field_validator("namespace")
    @classmethod
    def _not_reserved(cls, namespace: str | None) -> str | None:
        if namespace in RESERVED_NAMESPACES:
            raise ValueError(
                f"namespace {namespace!r} is the cluster's own; DNS is already admitted to "
                "every server, declare the service you call in its own namespace"
            )
        return namespace

    @model_validator(mode="after")
    def _one_destination(self) -> EgressRule:
        if bool(self.cidrs) == (self.namespace is not None):
            raise ValueError(
                f"egress {self.name!r}: give either cidrs (outside the cluster) or namespace "
                "(inside it), exactly one of the two"
            )
        return self


def check_unique_names(rules: tuple[EgressRule, ...]) -> tuple[EgressRule, ...]:
    """Rule names are what a review shows and a person greps: each once per entry."""
    names = [rule.name for rule in rules]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"egress names {repeated} repeat; give each dependency one rule")
    return rules
