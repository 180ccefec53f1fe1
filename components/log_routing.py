"""Fluent Bit's extra outputs: a namespace's container lines also into a named log group.

The Container Insights add-on's Fluent Bit tails every container log with the tag
``application.var.log.containers.<pod>_<namespace>_<container>-<id>.log`` and sends each
record to ``/aws/containerinsights/<cluster>/application``, where the fleet's metric filters
read it; that group keeps receiving everything. A ``LogRoute`` adds one ``[OUTPUT]``, matched
by the namespace inside that tag, that sends the same records of one namespace to a log group
of this program as well. Two kinds exist, and they differ on purpose:

- **audit** (the gateway's namespace → the audit group): ``log_key log`` sends only the
  container's own line, not Fluent Bit's record, so ``ops audit seal`` (``audit/seal.py``)
  reads exactly the JSON access-log line the gateway wrote; ``Retry_Limit False`` retries an
  audit line until CloudWatch takes it (the input buffers on the node's filesystem).
- **tenant** (a tenant's namespace → ``/<prefix>/tenant/<tenant>``): the whole record, with
  the Kubernetes metadata (``kubernetes.pod_name``, ``container_name``...) and the parsed
  line (``log_processed``), because a tenant's group mixes all its servers' pods and its
  dashboard's queries (``components/tenant_dashboard.py``) read ``log_processed.*`` exactly
  as the fleet's queries do in the application group; a raw line would not say which server
  wrote it. Retries are bounded: the application group holds the same line, so a tenant
  group that refuses writes (its key disabled) must not hold the node's buffer for every
  other output.

Both use ``auto_create_group false``: the groups are the program's (retention, KMS key);
Fluent Bit must never create an unencrypted one if one is missing. The add-on renders
``containerLogs.fluentBit.config.extraFiles`` as files next to its own and ``@INCLUDE``s each
(Helm merges the map, so its defaults stay); the outputs need no filter, so the include order
does not matter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from components.gateway_metrics import DEFAULT_GATEWAY_NAMESPACE

AUDIT_FILE = "audit-log.conf"
CONTAINER_TAG_PREFIX = "application.var.log.containers."
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
LOG_GROUP_NAME = re.compile(r"^[\w./#-]{1,512}$")
TENANT_RETRY_LIMIT = 5
"""Tries per chunk for a tenant copy; the application group keeps the line regardless."""


@dataclass(frozen=True)
class LogRoute:
    """One namespace's container lines → one log group, as one Fluent Bit ``[OUTPUT]``."""

    file_name: str
    """The extra file's name in the add-on's config (``audit-log.conf``)."""
    namespace: str
    log_group_name: str
    raw_line: bool
    """Only the container's own line (``log_key log``), not the record with its metadata."""
    retry_limit: int | None
    """Tries per chunk; ``None`` retries until CloudWatch takes it."""
    user_agent: str

    def __post_init__(self) -> None:
        if not DNS_LABEL.match(self.namespace):
            raise ValueError(f"LogRoute: namespace {self.namespace!r} is not a DNS label")
        if not LOG_GROUP_NAME.match(self.log_group_name):
            raise ValueError(
                f"LogRoute: log_group_name {self.log_group_name!r} is not a log group name"
            )

    @property
    def tag_pattern(self) -> str:
        """The tags of this namespace's containers (pod names and namespaces have no ``_``)."""
        return rf"^{re.escape(CONTAINER_TAG_PREFIX)}[^_]+_{self.namespace}_.+$"


def audit_route(log_group_name: str, namespace: str = DEFAULT_GATEWAY_NAMESPACE) -> LogRoute:
    """The gateway's raw access-log lines into the audit group, never dropped."""
    return LogRoute(
        file_name=AUDIT_FILE,
        namespace=namespace,
        log_group_name=log_group_name,
        raw_line=True,
        retry_limit=None,
        user_agent="mcp-fleet-audit",
    )


def tenant_route(tenant: str, namespace: str, log_group_name: str) -> LogRoute:
    """A tenant namespace's records, with their Kubernetes metadata, into its own group."""
    return LogRoute(
        file_name=f"tenant-{tenant}-log.conf",
        namespace=namespace,
        log_group_name=log_group_name,
        raw_line=False,
        retry_limit=TENANT_RETRY_LIMIT,
        user_agent="mcp-fleet-tenant",
    )


def route_output(route: LogRoute) -> str:
    """The ``[OUTPUT]`` section, in the add-on's own layout (``${...}`` are its variables)."""
    settings = [
        ("Name", "cloudwatch_logs"),
        ("Match_Regex", route.tag_pattern),
        ("region", "${AWS_REGION}"),
        ("log_group_name", route.log_group_name),
        ("log_stream_prefix", "${HOST_NAME}-"),
        *([("log_key", "log")] if route.raw_line else []),
        ("auto_create_group", "false"),
        ("Retry_Limit", "False" if route.retry_limit is None else str(route.retry_limit)),
        ("extra_user_agent", route.user_agent),
    ]
    return "[OUTPUT]\n" + "".join(f"  {key:<20}{value}\n" for key, value in settings)


def container_logs(routes: Sequence[LogRoute]) -> dict[str, Any]:
    """The add-on's ``containerLogs`` value: on, plus one extra file per route."""
    files = [route.file_name for route in routes]
    repeated = sorted({name for name in files if files.count(name) > 1})
    if repeated:
        raise ValueError(f"LogRoute: two routes write the same file {', '.join(repeated)}")
    if not routes:
        return {"enabled": True}
    extra = {route.file_name: route_output(route) for route in routes}
    return {"enabled": True, "fluentBit": {"config": {"extraFiles": extra}}}
