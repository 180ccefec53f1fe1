"""The audit log group as Fluent Bit fills it, in moto: one stream per node, raw lines.

Fluent Bit's audit output (``components/log_collection.py``) sends only the ``log`` key of
the gateway namespace's records, so each event's message is the gateway's own access-log
line; ``ops catalog`` events shipped to the group are their JSON lines. The events'
timestamps are "now" (CloudWatch Logs refuses events older than 14 days); the lines carry
the lab day's own times, which are the records' timestamps.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_logs.type_defs import InputLogEventTypeDef

AUDIT_GROUP = "/mcp-fleet-prod/audit"
GATEWAY_STREAM = "ip-10-0-1-5.eu-west-1.compute.internal-application.var.log.containers.gateway-0"
OTHER_GATEWAY_STREAM = (
    "ip-10-0-2-9.eu-west-1.compute.internal-application.var.log.containers.gateway-1"
)
CATALOG_STREAM = "ops-catalog"


def create_group(logs: CloudWatchLogsClient, name: str = AUDIT_GROUP) -> str:
    logs.create_log_group(logGroupName=name)
    return name


def deliver(
    logs: CloudWatchLogsClient, stream: str, lines: Iterable[str], group: str = AUDIT_GROUP
) -> None:
    """One PutLogEvents call, as one Fluent Bit flush (the stream is created if new)."""
    existing = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=stream)
    if not any(s["logStreamName"] == stream for s in existing["logStreams"]):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    events: list[InputLogEventTypeDef] = [{"timestamp": now, "message": line} for line in lines]
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
