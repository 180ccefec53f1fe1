"""The SLO a server is held to: its catalog declaration over the stack's defaults, or its SLA.

A remote server (catalog ``remote``) runs elsewhere; what it is held to is what its operator
promised, ``remote.sla`` (availability and p95), measured at the gateway like every server.
So the SLA becomes its EffectiveSlo, and every consumer (alarms, dashboards, tags, the review)
reads one value for local and remote servers alike.
"""

from __future__ import annotations

from catalog.entry import CatalogEntry
from stacks.fleet_plan import EffectiveSlo
from stacks.settings import SloSettings


def effective_slo(entry: CatalogEntry, defaults: SloSettings) -> EffectiveSlo:
    """The remote's SLA; else each objective the entry declares, the stack's default otherwise."""
    exception = entry.slo.exception is not None
    if entry.remote is not None:
        sla = entry.remote.sla
        return EffectiveSlo(
            tool_success_rate=float(sla.availability),
            p95_latency_ms=int(sla.p95_latency_ms),
            has_exception=exception,
        )
    return EffectiveSlo(
        tool_success_rate=entry.slo.tool_success_rate or defaults.tool_success_rate,
        p95_latency_ms=entry.slo.p95_latency_ms or defaults.p95_latency_ms,
        has_exception=exception,
    )
