"""How far the gateway's autoscaler may go: the fleet's peak through the gateway, planned.

Every request of every local and remote server passes the gateway, so its peak is the sum
of the servers' ``peakRps``. Its catalog entry (``catalog/platform/gateway.yaml``) says what
a request costs (``cpuPerRequest``, measured by ``make benchmark-gateway``: 0.56-0.74 ms of
CPU a call, written as 1 ms) and what a pod has (``podCpu``); the guide's headroom applies
as for servers. The maximum is at least twice the minimum, so a zone's loss or a spike
can be absorbed, and the per-tenant limits stay right at any count (each replica enforces
``ceil(limit / live replicas)``, counted at run time).
"""

from __future__ import annotations

import math

from catalog.entry import CatalogEntry
from stacks.capacity import required_cores
from stacks.fleet_plan import Settings


def gateway_max_replicas(settings: Settings, min_replicas: int, entry: CatalogEntry) -> int:
    """The autoscaler's maximum for the gateway of ``settings``, never below 2 x minimum."""
    peak = sum(server.peak_rps for server in settings.servers)
    cores = required_cores(peak, entry.resources.cpu_per_request, settings.fleet.headroom)
    usable = entry.resources.pod_cpu * settings.fleet.target_cpu_utilization / 100
    return max(2 * min_replicas, math.ceil(cores / usable))
