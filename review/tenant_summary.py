"""The review's per-tenant summary: servers, the quota the plan uses at peak, budget, issuer.

At peak means every server at its planned maximum replicas plus the fleet's rollout surge,
the same arithmetic ``stacks.tenant_settings.check_quota_fits`` refuses a stack with.
"""

from __future__ import annotations

import math

from rich.table import Table

from review.model import TenantSummary
from stacks.fleet_plan import Settings


def tenant_summaries(settings: Settings) -> list[TenantSummary]:
    surge = settings.fleet.rollout_batch_percent
    found = []
    for tenant in settings.tenant_settings:
        own = [s for s in settings.servers if s.tenant == tenant.name]
        pods = {
            s.name: s.capacity.max_replicas + math.ceil(s.capacity.max_replicas * surge / 100)
            for s in own
        }
        found.append(
            TenantSummary(
                name=tenant.name,
                owner=tenant.owner,
                issuer=tenant.identity.issuer,
                servers=[s.name for s in own],
                pods_at_peak=sum(pods.values()),
                quota_pods=tenant.quota.pods,
                cpu_millicores_at_peak=sum(
                    pods[s.name] * s.capacity.cpu_request_millicores for s in own
                ),
                quota_cpu_millicores=round(tenant.quota.cpu_cores * 1000),
                memory_mib_at_peak=sum(pods[s.name] * s.capacity.memory_request_mib for s in own),
                quota_memory_mib=tenant.quota.memory_mib,
                monthly_budget_usd=tenant.monthly_budget_usd,
            )
        )
    return found


def _used(used: int, quota: int, unit: str = "") -> str:
    return f"{used}{unit} / {quota}{unit} ({100 * used / quota:.0f} %)"


def tenant_table(tenants: list[TenantSummary]) -> Table:
    table = Table(title="Tenants (quota used by the plan at peak, with rollout surge)")
    for column in ("tenant", "servers", "pods", "CPU", "memory", "budget", "issuer"):
        table.add_column(column, overflow="fold")
    for t in tenants:
        table.add_row(
            t.name,
            ", ".join(t.servers) or "-",
            _used(t.pods_at_peak, t.quota_pods),
            _used(t.cpu_millicores_at_peak, t.quota_cpu_millicores, "m"),
            _used(t.memory_mib_at_peak, t.quota_memory_mib, "Mi"),
            f"${t.monthly_budget_usd:,.0f}/month",
            t.issuer,
        )
    return table
