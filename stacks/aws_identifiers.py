"""AWS names checked against what AWS accepts, before any resource is planned.

Regions and partitions come from botocore's own endpoint data (``botocore/data/
endpoints.json``), the list every AWS SDK call is routed by, so a new region arrives with a
botocore upgrade instead of an edit here. ELB TLS policy names are the one list no installed
library ships for production use (moto carries a copy for its emulator, and a test checks
ours covers it); it lives below with its source and date.
"""

from __future__ import annotations

import functools
import re

import botocore.session

EKS_CLUSTER_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$")
"""CreateCluster's ``name``: 1-100 characters, a letter or digit first, then letters,
digits, hyphens and underscores (EKS API Reference, CreateCluster)."""

TLS13_SECURITY_POLICIES = frozenset(
    {
        "ELBSecurityPolicy-TLS13-1-0-2021-06",
        "ELBSecurityPolicy-TLS13-1-0-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-1-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
        "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    }
)
"""The ALB security policies that offer TLS 1.3 (the fleet allows no other kind).

Source: "Security policies for your Application Load Balancer",
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
as of 2026-12-03; ``aws elbv2 describe-ssl-policies`` prints the live list. Add a name here
when AWS publishes a new policy.
"""


@functools.cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.cache
def regions_by_partition() -> dict[str, tuple[str, ...]]:
    """Every region botocore knows, by partition (aws, aws-cn, aws-us-gov, ...)."""
    session = _session()
    return {
        partition: tuple(session.get_available_regions("ec2", partition_name=partition))
        for partition in session.get_available_partitions()
    }


def partition_of(region: str) -> str | None:
    """The partition a region belongs to, None for a region botocore does not know."""
    for partition, regions in regions_by_partition().items():
        if region in regions:
            return partition
    return None


def region_problem(region: str) -> str | None:
    """Why ``region`` is not an AWS region, with the nearest names; None when it is one."""
    if partition_of(region) is not None:
        return None
    import difflib

    known = [r for regions in regions_by_partition().values() for r in regions]
    close = difflib.get_close_matches(region, known, n=3)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    return (
        f"{region!r} is not an AWS region botocore knows; {hint}"
        "use a region name like eu-west-1 (aws ec2 describe-regions lists yours)"
    )


def partition_in_arn(arn: str) -> str:
    """``aws`` from ``arn:aws:acm:...``; the ARN pattern has already been checked."""
    return arn.split(":", 2)[1]


def region_in_arn(arn: str) -> str:
    """``eu-west-1`` from ``arn:aws:acm:eu-west-1:...``; empty for global services (IAM)."""
    return arn.split(":", 4)[3]
