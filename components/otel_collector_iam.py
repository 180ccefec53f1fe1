"""What the collector's IRSA role may do: send traces to X-Ray and EMF records to its group.

X-Ray's write and sampling actions take no resource ARN (``*`` is the only form IAM
accepts for them). CloudWatch Logs is scoped to the one metrics log group the component
creates, so the collector needs no ``logs:CreateLogGroup`` and cannot write anywhere else.
"""

from __future__ import annotations

import pulumi

XRAY_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
)
EMF_LOG_ACTIONS = (
    "logs:PutLogEvents",
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:DescribeLogGroups",
)


def collector_policy(metrics_log_group_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "SendTracesToXRay",
                    "Effect": "Allow",
                    "Action": list(XRAY_ACTIONS),
                    "Resource": "*",
                },
                {
                    "Sid": "WriteEmfMetrics",
                    "Effect": "Allow",
                    "Action": list(EMF_LOG_ACTIONS),
                    "Resource": [
                        metrics_log_group_arn,
                        pulumi.Output.concat(metrics_log_group_arn, ":*"),
                    ],
                },
            ],
        }
    )
