"""Key policies for the program's customer-managed KMS keys.

Every key starts from the same statement, the account administers it (without it the key
becomes unmanageable), and adds what the one AWS service using it needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi


def account_root(partition: pulumi.Input[str], account: pulumi.Input[str]) -> pulumi.Output[str]:
    """``arn:PARTITION:iam::ACCOUNT:root``: the account itself as a principal, meaning its
    administrators as IAM lets them; the one principal every key and topic is managed by."""
    return pulumi.Output.concat("arn:", partition, ":iam::", account, ":root")


def key_policy(
    account: pulumi.Input[str],
    partition: pulumi.Input[str],
    service_statements: Sequence[dict[str, Any]],
) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministersKey",
                    "Effect": "Allow",
                    "Principal": {"AWS": account_root(partition, account)},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                *service_statements,
            ],
        }
    )
