"""Hand-made tenants and planned servers for the tenancy tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stacks.capacity import CapacityInputs, CapacityPlan, plan_capacity
from stacks.tenant_settings import TenantSettings


def tenant_document(name: str, **overrides: Any) -> dict[str, Any]:
    """A tenant as a stack file writes it (camelCase keys)."""
    document: dict[str, Any] = {
        "name": name,
        "owner": f"{name}-team@example.com",
        "identity": {
            "issuer": f"https://login.{name}.example.com/",
            "keyFiles": [f"{name}.pem"],
        },
        "quota": {"cpuCores": 16, "memoryMib": 32768, "pods": 60, "services": 10},
        "rateLimit": {"requestsPerSecond": 50, "burst": 100},
        "monthlyBudgetUsd": 500,
        "logRetentionDays": 90,
    }
    document.update(overrides)
    return document


def tenant(name: str, **overrides: Any) -> TenantSettings:
    return TenantSettings.model_validate(tenant_document(name, **overrides))


@dataclass(frozen=True)
class Workload:
    """Stands in for ``PlannedServer``: what the quota check and the components read."""

    name: str
    tenant: str
    capacity: CapacityPlan


def workload(
    name: str, tenant_name: str, peak_rps: float, max_replicas: int | None = None
) -> Workload:
    plan = plan_capacity(
        CapacityInputs(
            peak_rps=peak_rps,
            cpu_per_request=0.01,
            memory_per_connection_mb=2,
            concurrent_connections=max(1, int(peak_rps)),
            max_replicas_override=max_replicas,
        )
    )
    return Workload(name=name, tenant=tenant_name, capacity=plan)
