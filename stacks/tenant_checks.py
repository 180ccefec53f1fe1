"""The stack's ``tenants`` section held against its servers: declared and unique.

A server whose tenant is not declared would have no issuer at the gateway (nobody could call
it); refusing it here names the key to fix instead of deploying a dead route. Each tenant's
quota is held against its servers' capacity plan here too (``check_tenant_quotas``), so a
ResourceQuota that would leave pods Pending at peak is refused before anything is created.
"""

from __future__ import annotations

from collections.abc import Sequence

from stacks.errors import SettingsError
from stacks.settings import StackSettings
from stacks.tenant_settings import PlannedWorkload, check_quota_fits, check_unique_tenants

NAMESPACE = "mcp-fleet"


def check_servers_declared(settings: StackSettings, stack_file: str) -> None:
    """Every server's tenant is one of the declared tenants."""
    declared = [tenant.name for tenant in settings.tenants]
    for index, server in enumerate(settings.servers):
        if server.tenant not in declared:
            raise SettingsError(
                f"{stack_file}: {NAMESPACE}:servers[{index}].tenant: {server.tenant!r} is not "
                f"declared under {NAMESPACE}:tenants; declare it there (name, owner, identity, "
                f"quota, rateLimit, monthlyBudgetUsd) or use one of: {', '.join(declared)}"
            )


def check_tenants(settings: StackSettings, stack_file: str) -> None:
    """Each tenant name and issuer once: a shared issuer would let one tenant's tokens in."""
    try:
        check_unique_tenants(settings.tenants)
    except SettingsError as error:
        raise SettingsError(f"{stack_file}: {NAMESPACE}:{error}") from None


def check_tenant_quotas(
    settings: StackSettings, servers: Sequence[PlannedWorkload], stack_file: str
) -> None:
    """Every tenant's quota fits its servers at planned maximum plus the fleet's rollout surge.

    The surge is the fleet's ``rolloutBatchPercent``: the Deployments' ``maxSurge``.
    """
    for tenant in settings.tenants:
        check_quota_fits(
            tenant,
            servers,
            surge_percent=settings.fleet.rollout_batch_percent,
            source=f"{stack_file}: {NAMESPACE}:tenants",
        )
