"""Facts about the existing network that the program reads rather than restates."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws


def load_balancer_cidrs(
    public_subnet_ids: Sequence[str], parent: pulumi.Resource
) -> pulumi.Output[list[str]]:
    """CIDR blocks of the public subnets, where the ALB's nodes and so its traffic come from.

    Read from AWS so the NetworkPolicy follows the subnets the stack names instead of a
    second list of CIDRs that could drift from them.
    """
    subnets = [
        aws.ec2.get_subnet_output(id=subnet_id, opts=pulumi.InvokeOutputOptions(parent=parent))
        for subnet_id in public_subnet_ids
    ]
    return pulumi.Output.all(*[subnet.cidr_block for subnet in subnets]).apply(
        lambda cidrs: sorted(set(cidrs))
    )
