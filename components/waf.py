"""WebApplicationFirewall: an AWS WAF web ACL on the ALB, in front of the gateway.

AWS's managed rule groups take the generic web attacks (the common rule set, known bad
inputs, IP reputation) before a request reaches the gateway, and a rate-based rule per
client IP caps what one address can send, so a flood is dropped at the edge instead of
spending the per-tenant limits the gateway enforces behind it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from policy.contract import component_type

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
EVALUATION_WINDOWS = (60, 120, 300, 600)
"""The windows AWS WAF counts a rate-based rule over, in seconds."""
MIN_RATE_LIMIT, MAX_RATE_LIMIT = 10, 2_000_000_000
"""The bounds AWS WAF accepts for a rate-based rule's limit."""


@dataclass(frozen=True)
class WafArgs:
    name_prefix: str
    """Physical name prefix (``Naming.environment_prefix``): metric and ACL names."""
    load_balancer_arn: pulumi.Input[str]
    requests_per_window: int
    """Requests one client IP may send per window before it is blocked."""
    window_seconds: int = 300
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not MIN_RATE_LIMIT <= self.requests_per_window <= MAX_RATE_LIMIT:
            raise ValueError(
                f"WebApplicationFirewall: requests_per_window {self.requests_per_window} is "
                f"outside AWS WAF's {MIN_RATE_LIMIT}-{MAX_RATE_LIMIT}"
            )
        if self.window_seconds not in EVALUATION_WINDOWS:
            raise ValueError(
                f"WebApplicationFirewall: window_seconds {self.window_seconds} is not one of "
                f"{', '.join(map(str, EVALUATION_WINDOWS))}"
            )


def _visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _managed_rule(prefix: str, group: str, priority: int) -> aws.wafv2.WebAclRuleArgs:
    return aws.wafv2.WebAclRuleArgs(
        name=group,
        priority=priority,
        override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
            none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()
        ),
        statement=aws.wafv2.WebAclRuleStatementArgs(
            managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                name=group, vendor_name="AWS"
            )
        ),
        visibility_config=_visibility(f"{prefix}-{group}"),
    )


def _rate_rule(args: WafArgs, priority: int) -> aws.wafv2.WebAclRuleArgs:
    return aws.wafv2.WebAclRuleArgs(
        name="rate-per-client-ip",
        priority=priority,
        action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
        statement=aws.wafv2.WebAclRuleStatementArgs(
            rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                aggregate_key_type="IP",
                limit=args.requests_per_window,
                evaluation_window_sec=args.window_seconds,
            )
        ),
        visibility_config=_visibility(f"{args.name_prefix}-rate-per-client-ip"),
    )


class WebApplicationFirewall(pulumi.ComponentResource):
    """A REGIONAL web ACL (managed groups, then the rate rule) associated with the ALB."""

    web_acl_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: WafArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("waf", "WebApplicationFirewall"), name, None, opts)
        rules = [
            _managed_rule(args.name_prefix, group, priority)
            for priority, group in enumerate(MANAGED_RULE_GROUPS)
        ]
        rules.append(_rate_rule(args, len(rules)))
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-acl",
            name=f"{args.name_prefix}-mcp",
            scope="REGIONAL",
            default_action=aws.wafv2.WebAclDefaultActionArgs(
                allow=aws.wafv2.WebAclDefaultActionAllowArgs()
            ),
            rules=rules,
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True,
                metric_name=f"{args.name_prefix}-mcp",
                sampled_requests_enabled=True,
            ),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.association = aws.wafv2.WebAclAssociation(
            f"{name}-association",
            resource_arn=args.load_balancer_arn,
            web_acl_arn=self.web_acl.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.web_acl_arn = self.web_acl.arn
        self.register_outputs({"webAclArn": self.web_acl_arn})
