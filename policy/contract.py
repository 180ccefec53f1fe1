"""The one contract between the program, the policy pack and the review.

Label and tag keys, annotation keys, stage names, alarm kinds and the component type-name
rule live here and nowhere else: components write them, policies judge them, the review
reads them. The module sits inside the policy pack because the pack must run (and be
published) on its own from ``policy/``; everything else imports it as ``policy.contract``.
It imports nothing but the standard library, so importing it costs nothing.
"""

from __future__ import annotations

from typing import Final

PREFIX: Final = "mcp-fleet.io"

# --- tag and label keys (AWS tag keys and Kubernetes label keys are the same strings) -------

ENVIRONMENT: Final = f"{PREFIX}/environment"
SERVER: Final = f"{PREFIX}/server"
TENANT: Final = f"{PREFIX}/tenant"
OWNER: Final = f"{PREFIX}/owner"
TIER: Final = f"{PREFIX}/tier"
SLO_SUCCESS_RATE: Final = f"{PREFIX}/slo-success-rate"
SLO_P95_MS: Final = f"{PREFIX}/slo-p95-ms"
MANAGED_BY: Final = "app.kubernetes.io/managed-by"
PART_OF: Final = "app.kubernetes.io/part-of"
APP_NAME: Final = "app.kubernetes.io/name"
APP_VERSION: Final = "app.kubernetes.io/version"
COMPONENT: Final = "app.kubernetes.io/component"
"""Which part of a server or of the fleet an object is (a backup job, a job checking on it)."""

REQUIRED_KEYS: Final = (ENVIRONMENT, SERVER, TENANT, OWNER, TIER, SLO_SUCCESS_RATE, SLO_P95_MS)
"""Keys every taggable resource and every workload of a server must carry (policy checks)."""

FLEET_SERVER: Final = "fleet"
"""The ``server`` value of fleet-wide resources (load balancer, buckets, paging)."""
SHARED_TENANT: Final = "shared"
"""The ``tenant`` value of resources no single tenant owns."""

# --- alarm tags -------------------------------------------------------------------------------

ALARM_KIND: Final = f"{PREFIX}/alarm-kind"
ALARM_SEVERITY: Final = f"{PREFIX}/alarm-severity"
RUNBOOK: Final = f"{PREFIX}/runbook"
BURN_RATE: Final = f"{PREFIX}/burn-rate"
"""On a burn-rate window alarm: the multiple of the error budget it fires at, like ``14.4``."""
SEVERITY_COMPOSITE_INPUT: Final = "composite-input"
"""``alarm-severity`` of an alarm that notifies nobody itself, only through a composite alarm."""

ALARM_LATENCY_P95: Final = "latency-p95"
ALARM_ERROR_RATE_5XX: Final = "error-rate-5xx"
ALARM_BURN_RATE_PREFIX: Final = "burn-rate-"
ALARM_BURN_RATE_PAGE: Final = "burn-rate-page"
ALARM_BURN_RATE_TICKET: Final = "burn-rate-ticket"
ALARM_BACKUP_AGE: Final = "backup-age"
ALARM_UNHEALTHY_TARGETS: Final = "unhealthy-targets"
ALARM_SATURATION_CPU: Final = "saturation-cpu"
ALARM_SATURATION_MEMORY: Final = "saturation-memory"
ALARM_TOOL_SUCCESS: Final = "tool-success"

# --- annotations ------------------------------------------------------------------------------

CATALOG_ENTRY_ANNOTATION: Final = f"{PREFIX}/catalog-entry"
"""The signed catalog entry a Deployment runs, as canonical JSON."""
CATALOG_SIGNATURE_ANNOTATION: Final = f"{PREFIX}/catalog-signature"
"""The entry's signature block, as JSON."""
REMOTE_CATALOG_ENTRIES_ANNOTATION: Final = f"{PREFIX}/remote-catalog-entries"
"""On the gateway's Deployment: ``{route: {"entry": ..., "signature": ...}}`` of every remote
server it routes to, each the signed catalog entry as canonical JSON, like the two above."""

# --- stages -----------------------------------------------------------------------------------

STAGES: Final = ("dev", "staging", "prod")
"""The deployment stages, in promotion order."""

# --- names ------------------------------------------------------------------------------------

TYPE_PACKAGE: Final = "mcp-fleet"


def component_type(concern: str, name: str) -> str:
    """The type token of a component: ``mcp-fleet:<concern>:<Name>``.

    A component's type token is part of every child's URN; changing it (or the parent) moves
    resources, so a component whose token changes must list the old one in ``aliases``.
    """
    return f"{TYPE_PACKAGE}:{concern}:{name}"
