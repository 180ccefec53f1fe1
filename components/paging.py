"""Paging: where alarms go. A page topic that wakes someone, a ticket topic that waits.

Both topics are encrypted with a customer-managed key, because SNS's AWS-managed key does
not let CloudWatch alarms publish (the alarm service must be allowed to use the key). Dev
has the same topics so its alarms can be tried, but its alarms notify nobody unless the stack
says ``pageFromDev``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.kms_key_policy import key_policy
from components.labels import standard_tags
from components.slo_math import Severity
from stacks.environment import Environment
from stacks.fleet_plan import Settings
from stacks.settings import PagingSettings


def notifies(settings: Settings) -> bool:
    """Staging and prod alarms always notify; dev only when the stack asks."""
    return settings.environment is not Environment.DEV or settings.observability.page_from_dev


def topic_name(settings: Settings, severity: Severity) -> str:
    return f"{settings.project}-{settings.stack}-{severity.value}"


@dataclass(frozen=True)
class PagingTopics:
    """ARNs of the two topics, what alarm actions point at."""

    page: pulumi.Input[str]
    ticket: pulumi.Input[str]

    def arn(self, severity: Severity) -> pulumi.Input[str]:
        return self.page if severity is Severity.PAGE else self.ticket


def alarm_actions(
    settings: Settings, severity: Severity | str, topics: PagingTopics
) -> list[pulumi.Input[str]]:
    """The actions an alarm of ``severity`` takes in this stack: [] in dev unless asked."""
    if not notifies(settings):
        return []
    return [topics.arn(Severity(severity))]


@dataclass(frozen=True)
class PagingArgs:
    settings: Settings


class Paging(pulumi.ComponentResource):
    """KMS key, page and ticket topics with their policies, subscriptions from the stack."""

    topics: PagingTopics
    key: aws.kms.Key

    def __init__(
        self, name: str, args: PagingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mcp-fleet:observability:Paging", name, None, opts)
        settings = args.settings
        tags = standard_tags(settings)
        child = pulumi.ResourceOptions(parent=self)
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        account, arn_partition = identity.account_id, partition.partition

        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"{settings.project} {settings.stack}: encrypts the page and ticket topics",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=self._key_policy(settings, account, arn_partition),
            tags=tags,
            opts=child,
        )
        aws.kms.Alias(
            f"{name}-key-alias",
            name=f"alias/{settings.project}-{settings.stack}-paging",
            target_key_id=self.key.key_id,
            opts=child,
        )
        topics = {
            severity: self._topic(name, settings, severity, account, arn_partition, tags)
            for severity in Severity
        }
        for severity, destinations in (
            (Severity.PAGE, settings.observability.page),
            (Severity.TICKET, settings.observability.ticket),
        ):
            self._subscribe(f"{name}-{severity.value}", topics[severity], destinations)

        self.page_topic = topics[Severity.PAGE]
        self.ticket_topic = topics[Severity.TICKET]
        self.topics = PagingTopics(page=self.page_topic.arn, ticket=self.ticket_topic.arn)
        self.register_outputs(
            {
                "page_topic_arn": self.page_topic.arn,
                "ticket_topic_arn": self.ticket_topic.arn,
                "key_arn": self.key.arn,
            }
        )

    def _key_policy(
        self, settings: Settings, account: pulumi.Output[str], partition: pulumi.Output[str]
    ) -> pulumi.Output[str]:
        """The account administers the key; CloudWatch alarms may encrypt what they publish."""
        return key_policy(
            account,
            partition,
            [
                {
                    "Sid": "CloudWatchAlarmsPublishToTopics",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                },
                {
                    "Sid": "SnsDeliversToSubscribers",
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                },
            ],
        )

    def _topic(
        self,
        name: str,
        settings: Settings,
        severity: Severity,
        account: pulumi.Output[str],
        partition: pulumi.Output[str],
        tags: dict[str, str],
    ) -> aws.sns.Topic:
        topic = aws.sns.Topic(
            f"{name}-{severity.value}",
            name=topic_name(settings, severity),
            display_name=f"{settings.project} {settings.stack} {severity.value}",
            kms_master_key_id=self.key.arn,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        region = settings.region
        aws.sns.TopicPolicy(
            f"{name}-{severity.value}-policy",
            arn=topic.arn,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "AccountManagesTopic",
                            "Effect": "Allow",
                            "Principal": {
                                "AWS": pulumi.Output.concat(
                                    "arn:", partition, ":iam::", account, ":root"
                                )
                            },
                            "Action": [
                                "sns:GetTopicAttributes",
                                "sns:SetTopicAttributes",
                                "sns:Subscribe",
                                "sns:ListSubscriptionsByTopic",
                                "sns:Publish",
                            ],
                            "Resource": topic.arn,
                        },
                        {
                            "Sid": "CloudWatchAlarmsOfThisAccountPublish",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": topic.arn,
                            "Condition": {
                                "StringEquals": {"aws:SourceAccount": account},
                                "ArnLike": {
                                    "aws:SourceArn": pulumi.Output.concat(
                                        "arn:",
                                        partition,
                                        ":cloudwatch:",
                                        region,
                                        ":",
                                        account,
                                        ":alarm:*",
                                    )
                                },
                            },
                        },
                        {
                            "Sid": "OnlyOverTls",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "sns:Publish",
                            "Resource": topic.arn,
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=topic),
        )
        return topic

    def _subscribe(self, name: str, topic: aws.sns.Topic, destinations: PagingSettings) -> None:
        """Emails confirm by a click; pager webhooks (PagerDuty, Opsgenie) confirm themselves."""
        endpoints: Sequence[tuple[str, str, bool]] = [
            *(("email", email, False) for email in destinations.emails),
            *(("https", url, True) for url in destinations.https_endpoints),
        ]
        for protocol, endpoint, auto_confirms in endpoints:
            # Named by the endpoint, so removing one subscriber leaves the others untouched.
            digest = hashlib.sha256(endpoint.encode()).hexdigest()[:8]
            aws.sns.TopicSubscription(
                f"{name}-{protocol}-{digest}",
                topic=topic.arn,
                protocol=protocol,
                endpoint=endpoint,
                endpoint_auto_confirms=auto_confirms or None,
                opts=pulumi.ResourceOptions(parent=topic),
            )
