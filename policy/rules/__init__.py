"""The pack's policies: one module each, holding one module-level policy object of its name."""

from __future__ import annotations

from pulumi_policy import Policy

from . import (
    audit_bucket_locked,
    backup_bucket_hardened,
    catalog_approved_image,
    catalog_stage_promoted,
    catalog_supply_chain,
    gateway_routes_authenticated,
    lb_hardened,
    lb_listener_tls,
    lb_target_group_drain,
    remote_server_governed,
    rollout_analysis_within_slo,
    rollout_progressive,
    rollout_step_within_batch,
    slo_alarms_present,
    slo_tags_present,
    slo_within_baseline,
    tenant_boundary,
    tenant_budget_present,
    tenant_namespace_isolated,
    tenant_resources_own_path,
    traffic_via_gateway,
    workload_disruption_budget,
    workload_restricted,
)

POLICIES: list[Policy] = [
    catalog_approved_image.catalog_approved_image,
    catalog_stage_promoted.catalog_stage_promoted,
    catalog_supply_chain.catalog_supply_chain,
    slo_tags_present.slo_tags_present,
    slo_within_baseline.slo_within_baseline,
    slo_alarms_present.slo_alarms_present,
    backup_bucket_hardened.backup_bucket_hardened,
    workload_restricted.workload_restricted,
    workload_disruption_budget.workload_disruption_budget,
    lb_listener_tls.lb_listener_tls,
    lb_target_group_drain.lb_target_group_drain,
    lb_hardened.lb_hardened,
    rollout_progressive.rollout_progressive,
    rollout_analysis_within_slo.rollout_analysis_within_slo,
    rollout_step_within_batch.rollout_step_within_batch,
    gateway_routes_authenticated.gateway_routes_authenticated,
    remote_server_governed.remote_server_governed,
    traffic_via_gateway.traffic_via_gateway,
    tenant_boundary.tenant_boundary,
    tenant_namespace_isolated.tenant_namespace_isolated,
    tenant_resources_own_path.tenant_resources_own_path,
    tenant_budget_present.tenant_budget_present,
    audit_bucket_locked.audit_bucket_locked,
]
"""Every policy of the pack, in the order it reports; a new policy is a module and a line here."""
