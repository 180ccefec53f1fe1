"""Settings to the collector's log routes: the gateway's lines to the audit group, and each
declared tenant's namespace to its own tenant group.

``Platform`` passes its observability args through ``with_log_routes`` (one call): the
routes land in ``FleetLogsArgs.routes``, where ``FleetLogs`` renders one Fluent Bit output per
route and grants its role exactly those groups. The groups themselves are created elsewhere
(``AuditTrail``, ``TenantObservability``) under the same names, built by the same functions.
"""

from __future__ import annotations

import dataclasses

from components.log_routing import LogRoute, tenant_route
from components.observability import ObservabilityArgs
from components.platform_args import naming
from components.platform_audit import audit_log_route
from components.tenant_key import tenant_log_group_name
from stacks.fleet_plan import Settings


def tenant_log_routes(settings: Settings) -> tuple[LogRoute, ...]:
    """Every declared tenant, with or without servers: its namespace into its group."""
    prefix = naming(settings).stack_prefix
    return tuple(
        tenant_route(t.name, t.namespace, tenant_log_group_name(prefix, t.name))
        for t in settings.tenant_settings
    )


def log_routes(settings: Settings) -> tuple[LogRoute, ...]:
    """The audit route first, then the tenants' in settings order."""
    return (audit_log_route(settings), *tenant_log_routes(settings))


def with_log_routes(args: ObservabilityArgs, settings: Settings) -> ObservabilityArgs:
    """``args`` with the stack's log routes on its ``FleetLogsArgs``."""
    logs = dataclasses.replace(args.logs, routes=log_routes(settings))
    return dataclasses.replace(args, logs=logs)
