"""Load a stack's settings from Pulumi config, validate them once, plan capacity.

Config arrives exactly as the Pulumi CLI hands it to the program: ``namespace:key`` keys
with structured values as JSON strings. Every mistake becomes one ``SettingsError`` naming
the stack file, the key, what was wrong and what would be right.
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
from stacks.capacity import CapacityInputs, plan_capacity
from stacks.errors import SettingsError
from stacks.fleet_plan import EffectiveSlo, PlannedServer, Settings, tenant_namespace
from stacks.settings import ServerSettings, StackSettings
from stacks.validation_message import describe_validation_error

NAMESPACE = "mcp-fleet"


def _raw_config() -> dict[str, Any]:
    """All config the engine gave the program, keyed ``namespace:key``."""
    from pulumi.runtime import config as runtime_config

    merged = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    return merged


def _decode(value: Any) -> Any:
    """Structured values come as JSON text; plain strings stay strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _stack_values(raw: Mapping[str, Any], stack_file: str) -> dict[str, Any]:
    known = {field.alias or name for name, field in StackSettings.model_fields.items()}
    values: dict[str, Any] = {}
    for full_key, value in raw.items():
        namespace, _, key = full_key.partition(":")
        if namespace != NAMESPACE:
            continue
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"did you mean {NAMESPACE}:{close[0]}? " if close else ""
            raise SettingsError(
                f"{stack_file}: {full_key}: this program reads no such setting; {hint}"
                f"the settings are: {', '.join(sorted(known))}"
            )
        decoded = _decode(value)
        values[key] = decoded if key != "environment" else str(decoded)
    return values


def _plan_server(
    server: ServerSettings,
    index: int,
    stack: StackSettings,
    catalog: Mapping[str, CatalogEntry],
    stack_file: str,
) -> PlannedServer:
    key = f"{NAMESPACE}:servers[{index}]"
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
    profile = entry.resources
    try:
        capacity = plan_capacity(
            CapacityInputs(
                peak_rps=server.peak_rps,
                cpu_per_request=profile.cpu_per_request,
                memory_per_connection_mb=profile.memory_per_connection_mb,
                concurrent_connections=server.concurrent_connections
                or max(1, round(server.peak_rps)),
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
        )
    except (ValueError, ValidationError) as error:
        raise SettingsError(f"{stack_file}: {key}: {error}") from None
    slo = EffectiveSlo(
        tool_success_rate=entry.slo.tool_success_rate or stack.slo.tool_success_rate,
        p95_latency_ms=entry.slo.p95_latency_ms or stack.slo.p95_latency_ms,
        has_exception=entry.slo.exception is not None,
    )
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
) -> Settings:
    """Validate raw ``namespace:key`` config into Settings; pure, so tests call it directly."""
    stack_file = f"Pulumi.{stack}.yaml"
    values = _stack_values(raw_config, stack_file)
    settings: StackSettings = _validate(StackSettings, values, stack_file)
    if settings.environment.value != stack and stack in ("dev", "staging", "prod"):
        raise SettingsError(
            f"{stack_file}: {NAMESPACE}:environment: the {stack} stack says it is "
            f"{settings.environment.value!r}; set it to {stack!r}"
        )
    region = _decode(raw_config.get("aws:region"))
    if not isinstance(region, str) or not region:
        raise SettingsError(
            f"{stack_file}: aws:region: missing; set the AWS region, like eu-west-1"
        )
    catalog = load_catalog(catalog_dir)
    servers = tuple(
        _plan_server(server, index, settings, catalog, stack_file)
        for index, server in enumerate(settings.servers)
    )
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
    )


def load() -> Settings:
    """Settings of the stack being deployed, from the config the engine gave the program."""
    return load_settings(_raw_config(), project=pulumi.get_project(), stack=pulumi.get_stack())
