"""Paging: where alarms go. A page topic that wakes someone, a ticket topic that waits.

Both topics are encrypted with a customer-managed key, because SNS's AWS-managed key does
not let CloudWatch alarms publish (the alarm service must be allowed to use the key). Dev
has the same topics so its alarms can be tried, but its alarms notify nobody unless the stack
says ``pageFromDev``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.encryption_key import encryption_key
from components.kms_key_policy import account_root, key_policy
from components.slo_math import Severity
from policy.contract import component_type


@dataclass(frozen=True)
class PagingTopics:
    """ARNs of the two topics, what alarm actions point at."""

    page: pulumi.Input[str]
    ticket: pulumi.Input[str]

    def arn(self, severity: Severity) -> pulumi.Input[str]:
        return self.page if severity is Severity.PAGE else self.ticket


@dataclass(frozen=True)
class AlarmRouting:
    """Where an alarm of a severity notifies; ``notify`` False (dev) records without notifying."""

    topics: PagingTopics
    notify: bool

    def actions(self, severity: Severity | str) -> list[pulumi.Input[str]]:
        if not self.notify:
            return []
        return [self.topics.arn(Severity(severity))]


@dataclass(frozen=True)
class Subscribers:
    """Who a topic reaches: addresses that confirm by a click, webhooks that confirm themselves."""

    emails: tuple[str, ...] = ()
    https_endpoints: tuple[str, ...] = ()


@dataclass(frozen=True)
class PagingArgs:
    name_prefix: str
    """Topic names and the key alias start with it: ``mcp-fleet-prod`` -> ``mcp-fleet-prod-page``."""
    title: str
    """Human-readable prefix of descriptions and display names, like ``mcp-fleet prod``."""
    region: str
    """Where the alarms publishing to the topics live (the topic policy names their ARNs)."""
    page: Subscribers
    ticket: Subscribers
    key_deletion_window_days: int
    tags: Mapping[str, str]

    def topic_name(self, severity: Severity) -> str:
        return f"{self.name_prefix}-{severity.value}"


class Paging(pulumi.ComponentResource):
    """KMS key, page and ticket topics with their policies, subscriptions from the stack."""

    topics: PagingTopics
    key: aws.kms.Key

    def __init__(
        self, name: str, args: PagingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(component_type("observability", "Paging"), name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        account, arn_partition = identity.account_id, partition.partition

        self.key = encryption_key(
            name,
            description=f"{args.title}: encrypts the page and ticket topics",
            alias=f"alias/{args.name_prefix}-paging",
            deletion_window_days=args.key_deletion_window_days,
            policy=self._key_policy(account, arn_partition),
            tags=args.tags,
            key_opts=child,
            alias_opts=child,
        )
        topics = {
            severity: self._topic(name, args, severity, account, arn_partition)
            for severity in Severity
        }
        for severity, subscribers in ((Severity.PAGE, args.page), (Severity.TICKET, args.ticket)):
            self._subscribe(f"{name}-{severity.value}", topics[severity], subscribers)

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

    @staticmethod
    def _key_policy(
        account: pulumi.Output[str], partition: pulumi.Output[str]
    ) -> pulumi.Output[str]:
        """The account administers the key; CloudWatch alarms may encrypt what they publish."""
        return key_policy(
            account,
            partition,
            [
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Principal": {"Service": service},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                }
                for sid, service in (
                    ("CloudWatchAlarmsPublishToTopics", "cloudwatch.amazonaws.com"),
                    ("SnsDeliversToSubscribers", "sns.amazonaws.com"),
                )
            ],
        )

    def _topic(
        self,
        name: str,
        args: PagingArgs,
        severity: Severity,
        account: pulumi.Output[str],
        partition: pulumi.Output[str],
    ) -> aws.sns.Topic:
        topic = aws.sns.Topic(
            f"{name}-{severity.value}",
            name=args.topic_name(severity),
            display_name=f"{args.title} {severity.value}",
            kms_master_key_id=self.key.arn,
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.sns.TopicPolicy(
            f"{name}-{severity.value}-policy",
            arn=topic.arn,
            policy=topic_policy(topic.arn, args.region, account, partition),
            opts=pulumi.ResourceOptions(parent=topic),
        )
        return topic

    def _subscribe(self, name: str, topic: aws.sns.Topic, subscribers: Subscribers) -> None:
        """Emails confirm by a click; pager webhooks (PagerDuty, Opsgenie) confirm themselves."""
        endpoints: Sequence[tuple[str, str, bool]] = [
            *(("email", email, False) for email in subscribers.emails),
            *(("https", url, True) for url in subscribers.https_endpoints),
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


def topic_policy(
    topic_arn: pulumi.Input[str],
    region: str,
    account: pulumi.Input[str],
    partition: pulumi.Input[str],
) -> pulumi.Output[str]:
    """The account manages the topic, its own alarms publish, nobody publishes without TLS."""
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountManagesTopic",
                    "Effect": "Allow",
                    "Principal": {"AWS": account_root(partition, account)},
                    "Action": [
                        "sns:GetTopicAttributes",
                        "sns:SetTopicAttributes",
                        "sns:Subscribe",
                        "sns:ListSubscriptionsByTopic",
                        "sns:Publish",
                    ],
                    "Resource": topic_arn,
                },
                {
                    "Sid": "CloudWatchAlarmsOfThisAccountPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account},
                        "ArnLike": {
                            "aws:SourceArn": pulumi.Output.concat(
                                "arn:", partition, ":cloudwatch:", region, ":", account, ":alarm:*"
                            )
                        },
                    },
                },
                {
                    "Sid": "OnlyOverTls",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "sns:Publish",
                    "Resource": topic_arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        }
    )
