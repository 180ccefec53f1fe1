"""Checks across settings that no single field can make: names, subnets, regions, ARNs.

Each returns one ``SettingsError`` message naming the stack file and the key to change, so
``pulumi up`` never meets a plan AWS would refuse (an ALB on one subnet twice, a certificate
from another region, backups "replicated" into the region they came from).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from stacks.aws_identifiers import partition_in_arn, partition_of, region_in_arn, region_problem
from stacks.errors import SettingsError
from stacks.settings import StackSettings

NAMESPACE = "mcp-fleet"


def _first_repeat(values: Iterable[str]) -> tuple[int, int, str] | None:
    """(first index, repeated index, value) of the first value given twice."""
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            return seen[value], index, value
        seen[value] = index
    return None


def check_region(region: object, stack_file: str) -> str:
    """``aws:region`` as botocore knows it."""
    if region is None or region == "":
        raise SettingsError(
            f"{stack_file}: aws:region: missing; set the AWS region, like eu-west-1"
        )
    if not isinstance(region, str):
        raise SettingsError(
            f"{stack_file}: aws:region: {region!r} is not a region name; set the AWS region, "
            "like eu-west-1"
        )
    problem = region_problem(region)
    if problem:
        raise SettingsError(f"{stack_file}: aws:region: {problem}")
    return region


def check_server_names(settings: StackSettings, stack_file: str) -> None:
    names = [server.deployed_name for server in settings.servers]
    repeat = _first_repeat(names)
    if repeat is None:
        return
    first, second, name = repeat
    field = "name" if settings.servers[second].name else "catalog"
    raise SettingsError(
        f"{stack_file}: {NAMESPACE}:servers[{second}].{field}: servers[{first}] is already "
        f"named {name!r}; two servers are named {name!r}; give one a distinct name "
        f"(set name: to a DNS label, like {name}-2)"
    )


def check_network(settings: StackSettings, region: str, stack_file: str) -> None:
    network = settings.network
    lists: Sequence[tuple[str, Sequence[str]]] = (
        ("publicSubnetIds", network.public_subnet_ids),
        ("privateSubnetIds", network.private_subnet_ids),
        ("ingressCidrs", network.ingress_cidrs),
    )
    for key, values in lists:
        repeat = _first_repeat(values)
        if repeat is not None:
            first, second, value = repeat
            raise SettingsError(
                f"{stack_file}: {NAMESPACE}:network.{key}[{second}]: {value!r} is listed "
                f"twice (also at [{first}]); list each once (an ALB needs subnets in two "
                "different zones, one per zone)"
            )
    certificate_region = region_in_arn(network.certificate_arn)
    if certificate_region != region:
        raise SettingsError(
            f"{stack_file}: {NAMESPACE}:network.certificateArn: the certificate is in "
            f"{certificate_region} but the load balancer is in {region}; an ALB can only use "
            f"an ACM certificate from its own region: request or import one in {region}"
        )


def check_partitions(settings: StackSettings, region: str, stack_file: str) -> None:
    """ARNs from another partition (aws-cn, aws-us-gov) cannot be used in this region."""
    partition = partition_of(region)
    arns = (
        ("cluster.oidcProviderArn", settings.cluster.oidc_provider_arn),
        ("network.certificateArn", settings.network.certificate_arn),
    )
    for key, arn in arns:
        if partition_in_arn(arn) != partition:
            raise SettingsError(
                f"{stack_file}: {NAMESPACE}:{key}: the ARN is in partition "
                f"{partition_in_arn(arn)!r} but {region} is in {partition!r}; use an ARN "
                f"starting arn:{partition}:"
            )


def check_replica_region(settings: StackSettings, region: str, stack_file: str) -> None:
    replica = settings.backups.replica_region
    if replica is None:
        return
    key = f"{stack_file}: {NAMESPACE}:backups.replicaRegion"
    problem = region_problem(replica)
    if problem:
        raise SettingsError(f"{key}: {problem}")
    if replica == region:
        raise SettingsError(
            f"{key}: {replica} is the stack's own region; a replica protects against losing "
            "a region only in another one: name a second region, or remove replicaRegion"
        )
    if partition_of(replica) != partition_of(region):
        raise SettingsError(
            f"{key}: {replica} is in partition {partition_of(replica)!r} and {region} in "
            f"{partition_of(region)!r}; S3 replicates only within a partition"
        )


def check_stack(settings: StackSettings, region: str, stack_file: str) -> None:
    """Every cross-field check, in the order a person would fix them."""
    check_server_names(settings, stack_file)
    check_network(settings, region, stack_file)
    check_partitions(settings, region, stack_file)
    check_replica_region(settings, region, stack_file)
