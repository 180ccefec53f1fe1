"""What the log collector's role may write: the Container Insights groups and the routed ones.

The add-on's agent and Fluent Bit run as one IRSA role with the AWS-managed
``CloudWatchAgentServerPolicy`` (metrics, X-Ray, and log writes on ``*``, kept so AWS keeps
maintaining what the add-on needs). This inline policy states the program's own grant and
narrows the managed one:

- ``RoutedLogGroupsWrite`` allows creating streams in, describing and writing to exactly the
  routed groups (each tenant's, the audit group), so the routes work even if AWS narrows its
  managed policy;
- ``LogWritesOnlyToProgramGroups`` denies every log write outside this cluster's Container
  Insights groups and the routed groups: a mistyped route or a compromised node cannot write
  into another stack's, another tenant program's or an unencrypted group it created;
- ``RoutedLogGroupsStayProgramOwned`` denies creating the routed groups or changing their
  retention: their retention and key are the tenant's settings, held by this program.

Writing into a KMS-encrypted group needs no KMS permission of the writer: CloudWatch Logs
uses the key itself, and each group's key policy lets it do so for that group only
(``components/tenant_key.py``, ``components/audit_trail.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from components.log_routing import LogRoute

WRITE_ACTIONS = ("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents")
DENIED_OUTSIDE = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
PROGRAM_OWNED = ("logs:CreateLogGroup", "logs:DeleteRetentionPolicy", "logs:PutRetentionPolicy")


def log_group_arns(arn_prefix: str, group: str) -> list[str]:
    """The group itself (``CreateLogStream``) and its streams (``PutLogEvents``)."""
    return [f"{arn_prefix}{group}", f"{arn_prefix}{group}:*"]


def routed_groups_policy(
    routes: Sequence[LogRoute], cluster: str, region: str, account: str, partition: str
) -> dict[str, Any]:
    """The inline policy document; ``routes`` must not be empty (nothing to state otherwise)."""
    if not routes:
        raise ValueError("routed_groups_policy: no routed log group to grant")
    arn_prefix = f"arn:{partition}:logs:{region}:{account}:log-group:"
    routed = sorted({arn for r in routes for arn in log_group_arns(arn_prefix, r.log_group_name)})
    container_insights = f"{arn_prefix}/aws/containerinsights/{cluster}/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RoutedLogGroupsWrite",
                "Effect": "Allow",
                "Action": list(WRITE_ACTIONS),
                "Resource": routed,
            },
            {
                "Sid": "LogWritesOnlyToProgramGroups",
                "Effect": "Deny",
                "Action": list(DENIED_OUTSIDE),
                "NotResource": [container_insights, *routed],
            },
            {
                "Sid": "RoutedLogGroupsStayProgramOwned",
                "Effect": "Deny",
                "Action": list(PROGRAM_OWNED),
                "Resource": routed,
            },
        ],
    }
