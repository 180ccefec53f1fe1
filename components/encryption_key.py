"""A customer-managed KMS key and its alias: the one way this program creates a key.

Every key rotates yearly, carries the standard tags and gets an ``alias/...`` name people
can find it by. What differs per use (description, key policy, deletion window, region,
resource options) is an argument, decided by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws


def encryption_key(
    name: str,
    *,
    description: str,
    alias: str,
    deletion_window_days: int,
    tags: Mapping[str, str],
    key_opts: pulumi.ResourceOptions,
    alias_opts: pulumi.ResourceOptions,
    policy: pulumi.Input[str] | None = None,
    region: str | None = None,
) -> aws.kms.Key:
    """``{name}-key`` and ``{name}-key-alias``; ``policy`` None keeps KMS's default policy."""
    key = aws.kms.Key(
        f"{name}-key",
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=deletion_window_days,
        policy=policy,
        region=region,
        tags=dict(tags),
        opts=key_opts,
    )
    aws.kms.Alias(
        f"{name}-key-alias",
        name=alias,
        target_key_id=key.key_id,
        region=region,
        opts=alias_opts,
    )
    return key
