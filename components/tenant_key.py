"""A tenant's own KMS key: its secrets, its log group and its alert topic are encrypted with it.

One key per tenant, so a tenant's data can be made unreadable (or audited) on its own. The
key policy keeps the account's administration statement and adds only what the tenant's own
resources need, each scoped to them, plus an explicit deny for any principal tagged with
another tenant (``components/tenant_secret_policies.other_tenants_denied_statement``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.encryption_key import encryption_key
from components.kms_key_policy import key_policy
from components.tenant_secret_policies import other_tenants_denied_statement
from policy.contract import component_type

ALERT_PUBLISHERS = ("cloudwatch.amazonaws.com", "budgets.amazonaws.com")
"""Services that publish to the tenant's encrypted alert topic: its alarms and its budget."""


def tenant_log_group_name(name_prefix: str, tenant: str) -> str:
    """``/mcp-fleet-prod/tenant/acme``: the one log group the tenant's key may encrypt."""
    return f"/{name_prefix}/tenant/{tenant}"


@dataclass(frozen=True)
class TenantKeyArgs:
    tenant: str
    name_prefix: str
    """The alias is ``alias/<name_prefix>-<tenant>``."""
    region: str
    log_group_name: str
    """The tenant's log group: CloudWatch Logs may use the key for it and nothing else."""
    tags: Mapping[str, str]
    deletion_window_days: int = 30

    def problems(self) -> list[str]:
        found = []
        if not 7 <= self.deletion_window_days <= 30:
            found.append(f"deletion_window_days {self.deletion_window_days} is not 7-30 (KMS)")
        if not self.log_group_name.startswith("/"):
            found.append(f"log_group_name {self.log_group_name!r} should start with /")
        return found


def tenant_key_statements(
    args: TenantKeyArgs, account: pulumi.Input[str], partition: pulumi.Input[str]
) -> list[dict[str, Any]]:
    log_group_arn = pulumi.Output.concat(
        "arn:", partition, ":logs:", args.region, ":", account, ":log-group:", args.log_group_name
    )
    return [
        other_tenants_denied_statement(args.tenant),
        {
            "Sid": "TenantLogGroupOnly",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{args.region}.amazonaws.com"},
            "Action": [
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            "Resource": "*",
            "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": log_group_arn}},
        },
        {
            "Sid": "TenantAlertsPublish",
            "Effect": "Allow",
            "Principal": {"Service": list(ALERT_PUBLISHERS)},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        },
    ]


class TenantKey(pulumi.ComponentResource):
    """The key and its alias; ``arn`` is what the tenant's other components encrypt with."""

    key: aws.kms.Key
    arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: TenantKeyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = args.problems()
        if problems:
            raise ValueError(f"TenantKey {args.tenant}: " + "; ".join(problems))
        super().__init__(component_type("tenancy", "TenantKey"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition
        self.key = encryption_key(
            name,
            description=f"{args.name_prefix} tenant {args.tenant}: secrets, logs and alerts",
            alias=f"alias/{args.name_prefix}-{args.tenant}",
            deletion_window_days=args.deletion_window_days,
            policy=key_policy(account, partition, tenant_key_statements(args, account, partition)),
            tags=args.tags,
            key_opts=child,
            alias_opts=child,
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})
