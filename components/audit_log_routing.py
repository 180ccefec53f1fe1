"""Fluent Bit's extra output: the gateway namespace's lines also into the audit log group.

The Container Insights add-on's Fluent Bit tails every container log with the tag
``application.var.log.containers.<pod>_<namespace>_<container>-<id>.log`` and sends each
record to ``/aws/containerinsights/<cluster>/application`` (the metric filters read it
there). One more ``[OUTPUT]``, matched by the namespace inside that tag, sends the same
records of the gateway's namespace to the KMS-encrypted audit log group as well, where
``ops audit seal`` reads them (``audit/seal.py``):

- ``log_key log``: only the container's own line (the gateway's JSON access-log line), not
  Fluent Bit's wrapper with Kubernetes metadata, so the sealer reads exactly what the
  gateway wrote;
- ``auto_create_group false``: the group is the program's (``AuditTrail``), encrypted and
  retained; Fluent Bit must never create an unencrypted one if it is missing;
- ``Retry_Limit False``: an audit line is retried until CloudWatch takes it (the input
  buffers on the node's filesystem), never dropped after a few tries.

The add-on renders ``containerLogs.fluentBit.config.extraFiles`` as files next to its own
and ``@INCLUDE``s each (Helm merges the map, so its defaults stay); the routing needs no
filter, so the include order does not matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from components.gateway_metrics import DEFAULT_GATEWAY_NAMESPACE

AUDIT_FILE = "audit-log.conf"
CONTAINER_TAG_PREFIX = "application.var.log.containers."
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
LOG_GROUP_NAME = re.compile(r"^[\w./#-]{1,512}$")


@dataclass(frozen=True)
class AuditLogRoute:
    """Which namespace's container lines go to which audit log group."""

    log_group_name: str
    namespace: str = DEFAULT_GATEWAY_NAMESPACE

    def __post_init__(self) -> None:
        if not DNS_LABEL.match(self.namespace):
            raise ValueError(f"AuditLogRoute: namespace {self.namespace!r} is not a DNS label")
        if not LOG_GROUP_NAME.match(self.log_group_name):
            raise ValueError(
                f"AuditLogRoute: log_group_name {self.log_group_name!r} is not a log group name"
            )

    @property
    def tag_pattern(self) -> str:
        """The tags of this namespace's containers (pod names and namespaces have no ``_``)."""
        return rf"^{re.escape(CONTAINER_TAG_PREFIX)}[^_]+_{self.namespace}_.+$"


def audit_output(route: AuditLogRoute) -> str:
    """The ``[OUTPUT]`` section, in the add-on's own layout (``${...}`` are its variables)."""
    settings = [
        ("Name", "cloudwatch_logs"),
        ("Match_Regex", route.tag_pattern),
        ("region", "${AWS_REGION}"),
        ("log_group_name", route.log_group_name),
        ("log_stream_prefix", "${HOST_NAME}-"),
        ("log_key", "log"),
        ("auto_create_group", "false"),
        ("Retry_Limit", "False"),
        ("extra_user_agent", "mcp-fleet-audit"),
    ]
    return "[OUTPUT]\n" + "".join(f"  {key:<20}{value}\n" for key, value in settings)


def container_logs(route: AuditLogRoute | None) -> dict[str, Any]:
    """The add-on's ``containerLogs`` value: on, plus the audit output when there is one."""
    if route is None:
        return {"enabled": True}
    return {
        "enabled": True,
        "fluentBit": {"config": {"extraFiles": {AUDIT_FILE: audit_output(route)}}},
    }
