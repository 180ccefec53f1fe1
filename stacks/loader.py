"""Load a stack's settings from Pulumi config, validate them once, plan capacity.

Config arrives as the Pulumi engine hands it to the program: ``namespace:key`` keys with
structured values as JSON. ``load`` reads it through ``pulumi.Config`` (the public API);
``load_settings`` is the pure core the review and the tests call with a plain mapping.
Every mistake becomes one ``SettingsError`` naming the stack file, the key, what was wrong
and what would be right; nothing else escapes (tests/stacks/test_settings_fuzz.py throws
arbitrary documents at it to keep it so).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from pydantic import BaseModel, ValidationError

from catalog.entry import CatalogEntry
from catalog.load import CATALOG_DIR, load_catalog
from policy.contract import STAGES
from stacks.audit_settings import check_audit_retention
from stacks.capacity import CapacityInputs, plan_capacity
from stacks.effective_slo import effective_slo
from stacks.errors import SettingsError
from stacks.fleet_plan import PlannedServer, Settings, tenant_namespace
from stacks.plan_checks import check_region, check_stack
from stacks.quotas import check_quotas
from stacks.settings import ServerSettings, StackSettings
from stacks.stack_file import stack_file_name
from stacks.tenant_checks import (
    check_server_egress,
    check_servers_declared,
    check_tenant_quotas,
    check_tenants,
)
from stacks.validation_message import describe_validation_error

NAMESPACE = "mcp-fleet"


def known_keys() -> tuple[str, ...]:
    """The keys a stack file may set under ``mcp-fleet:``, as written (camelCase)."""
    return tuple(sorted(field.alias or name for name, field in StackSettings.model_fields.items()))


def _engine_config() -> dict[str, Any]:
    """The program's config through ``pulumi.Config``: known keys, then any unknown ones.

    Unknown keys can only be listed from the engine's config bag (``PULUMI_CONFIG``, which
    ``pulumi up`` sets); they are passed on so a misspelt key is refused, not ignored.
    """
    config = pulumi.Config(NAMESPACE)
    raw: dict[str, Any] = {
        key: value
        for key, value in pulumi.runtime.get_config_env().items()
        if key.startswith(f"{NAMESPACE}:")
    }
    for key in known_keys():
        full_key = f"{NAMESPACE}:{key}"
        raw.pop(full_key, None)
        text = config.get(key)
        if text is None:
            continue
        if key == "environment":
            raw[full_key] = text
            continue
        try:
            raw[full_key] = config.get_object(key)
        except (pulumi.ConfigTypeError, RecursionError):
            raw[full_key] = text  # not JSON: validation names the key and the value
    raw["aws:region"] = pulumi.Config("aws").get("region")
    return raw


def _decode(value: Any, stack_file: str, key: str) -> Any:
    """Structured values come as JSON text; plain strings stay strings."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value
    except RecursionError:
        raise SettingsError(f"{stack_file}: {key}: the value is nested too deeply") from None


def _stack_values(raw: Mapping[str, Any], stack_file: str) -> dict[str, Any]:
    known = known_keys()
    values: dict[str, Any] = {}
    for full_key, value in raw.items():
        namespace, _, key = str(full_key).partition(":")
        if namespace != NAMESPACE:
            continue
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {NAMESPACE}:{close[0]}? " if close else ""
            raise SettingsError(
                f"{stack_file}: {full_key}: this program reads no such setting; {hint}"
                f"the settings are: {', '.join(known)}"
            )
        if key == "environment":
            values[key] = value if isinstance(value, str) else json.dumps(value, default=str)
        else:
            values[key] = _decode(value, stack_file, str(full_key))
    return values


def _capacity_inputs(server: ServerSettings, stack: StackSettings, entry: CatalogEntry) -> Any:
    profile = entry.resources
    return CapacityInputs(
        peak_rps=server.peak_rps,
        cpu_per_request=profile.cpu_per_request,
        memory_per_connection_mb=profile.memory_per_connection_mb,
        concurrent_connections=server.concurrent_connections or max(1, round(server.peak_rps)),
        headroom=stack.fleet.headroom,
        cores_per_node=stack.fleet.cores_per_node,
        pod_cpu=profile.pod_cpu,
        pod_memory_mb=profile.pod_memory_mb,
        base_memory_mb=profile.base_memory_mb,
        min_replicas_floor=stack.fleet.min_replicas,
        off_peak_ratio=stack.fleet.off_peak_ratio,
        min_replicas_override=server.min_replicas,
        max_replicas_override=server.max_replicas,
    )


def _catalog_entry(
    server: ServerSettings, key: str, catalog: Mapping[str, CatalogEntry], stack_file: str
) -> CatalogEntry:
    entry = catalog.get(server.catalog)
    if entry is None:
        raise SettingsError(
            f"{stack_file}: {key}.catalog: {server.catalog!r} is not in the approved catalog; "
            f"use one of: {', '.join(sorted(catalog))} (or register it under catalog/servers)"
        )
    if server.tenant not in entry.tenants:
        raise SettingsError(
            f"{stack_file}: {key}.tenant: {server.catalog!r} is not approved for tenant "
            f"{server.tenant!r}; use one of: {', '.join(entry.tenants)}"
        )
    return entry


def _plan_server(
    server: ServerSettings,
    index: int,
    stack: StackSettings,
    catalog: Mapping[str, CatalogEntry],
    stack_file: str,
) -> PlannedServer:
    key = f"{NAMESPACE}:servers[{index}]"
    entry = _catalog_entry(server, key, catalog, stack_file)
    try:
        capacity = plan_capacity(_capacity_inputs(server, stack, entry))
    except (ValueError, OverflowError) as error:
        # ValidationError is a ValueError; its text is pydantic's, so say it plainly.
        detail = (
            describe_validation_error(error, f"catalog entry {entry.name!r}", CapacityInputs)
            if isinstance(error, ValidationError)
            else str(error)
        )
        raise SettingsError(f"{stack_file}: {key}: {detail}") from None
    slo = effective_slo(entry, stack.slo)
    name = server.deployed_name
    return PlannedServer(
        name=name,
        tenant=server.tenant,
        entry=entry,
        slo=slo,
        capacity=capacity,
        peak_rps=server.peak_rps,
        namespace=tenant_namespace(server.tenant),
        hostname=f"{name}.{stack.network.domain}",
    )


def _validate(model: type[BaseModel], values: Mapping[str, Any], stack_file: str) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise SettingsError(
            describe_validation_error(error, stack_file, model, key_prefix=f"{NAMESPACE}:")
        ) from None


def load_settings(
    raw_config: Mapping[str, Any],
    *,
    project: str,
    stack: str,
    catalog_dir: Path = CATALOG_DIR,
    stack_file: str | None = None,
) -> Settings:
    """Validate raw ``namespace:key`` config into Settings; pure, so tests call it directly.

    ``stack_file`` is the file messages name; by default ``Pulumi.<stack>.yaml``, or the
    file ``MCP_FLEET_STACK_FILE`` names (set by the review for ``--config-file``).
    """
    stack_file = stack_file or stack_file_name(stack)
    values = _stack_values(raw_config, stack_file)
    settings: StackSettings = _validate(StackSettings, values, stack_file)
    if settings.environment.value != stack and stack in STAGES:
        raise SettingsError(
            f"{stack_file}: {NAMESPACE}:environment: the {stack} stack says it is "
            f"{settings.environment.value!r}; set it to {stack!r}"
        )
    region = check_region(
        _decode(raw_config.get("aws:region"), stack_file, "aws:region"), stack_file
    )
    check_stack(settings, region, stack_file)
    check_audit_retention(settings.environment, settings.audit, stack_file, NAMESPACE)
    check_servers_declared(settings, stack_file)
    check_tenants(settings, stack_file)
    catalog = load_catalog(catalog_dir)
    servers = tuple(
        _plan_server(server, index, settings, catalog, stack_file)
        for index, server in enumerate(settings.servers)
    )
    check_quotas(settings, servers, stack_file)
    check_tenant_quotas(settings, servers, stack_file)
    check_server_egress(settings, servers, stack_file)
    return Settings(
        project=project,
        stack=stack,
        stack_file=stack_file,
        environment=settings.environment,
        region=region,
        cluster=settings.cluster,
        network=settings.network,
        fleet=settings.fleet,
        slo=settings.slo,
        load_balancer=settings.load_balancer,
        observability=settings.observability,
        backups=settings.backups,
        servers=servers,
        catalog=catalog,
        tenant_settings=settings.tenants,
        audit=settings.audit,
        telemetry=settings.telemetry,
    )


def load() -> Settings:
    """Settings of the stack being deployed, from the config the engine gave the program."""
    return load_settings(_engine_config(), project=pulumi.get_project(), stack=pulumi.get_stack())
