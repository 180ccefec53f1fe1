"""The stack's ``tenants`` section held against its servers: declared and unique.

A server whose tenant is not declared would have no issuer at the gateway (nobody could call
it); refusing it here names the key to fix instead of deploying a dead route. Each tenant's
quota is held against its servers' capacity plan here too (``check_tenant_quotas``), so a
ResourceQuota that would leave pods Pending at peak is refused before anything is created.
A server's declared egress (``catalog/egress.py``) is held against the stack's tenants too
(``check_server_egress``): a namespace rule into another tenant's namespace would open the
boundary from the calling side.
"""

from __future__ import annotations

from collections.abc import Sequence

from stacks.errors import SettingsError
from stacks.fleet_plan import PlannedServer, tenant_namespace
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


def check_server_egress(
    settings: StackSettings, servers: Sequence[PlannedServer], stack_file: str
) -> None:
    """No server's declared egress names another tenant's namespace; a remote declares none."""
    owners = {tenant_namespace(tenant.name): tenant.name for tenant in settings.tenants}
    for index, server in enumerate(servers):
        where = (
            f"{stack_file}: {NAMESPACE}:servers[{index}] ({server.name}, tenant "
            f"{server.tenant}): catalog entry {server.entry.name}"
        )
        if server.entry.remote is not None and server.entry.egress:
            raise SettingsError(
                f"{where} is remote and also declares egress; a remote server has no pods here "
                "(the gateway reaches it), remove its egress list"
            )
        for rule in server.entry.egress:
            owner = owners.get(rule.namespace or "")
            if owner is not None and owner != server.tenant:
                raise SettingsError(
                    f"{where}: egress {rule.name!r} names namespace {rule.namespace}, tenant "
                    f"{owner!r}'s; tenants never call each other's servers directly: call "
                    "that server through the gateway, or run this one for that tenant"
                )
