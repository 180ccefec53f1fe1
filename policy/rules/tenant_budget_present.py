"""``tenant-budget-present``: in staging and prod, every tenant has its AWS Budgets budget.

Cost is attributed by the tenant tag; a tenant without a budget filtered on it runs up cost
nobody hears about until the bill. Dev stacks may go without (short-lived, small).
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from ..contract import TENANT
from ..reads import get, is_unknown, items
from ..tenant_views import environment_of, tenant_namespaces

BUDGET = "aws:budgets/budget:Budget"
BUDGETED_ENVIRONMENTS = ("staging", "prod")


def budgeted_tenants(resources: list[PolicyResource]) -> set[str]:
    """Tenants some budget filters on: a ``TagKeyValue`` of ``user:<tenant tag>$<tenant>``."""
    found = set()
    prefix = f"user:{TENANT}$"
    for budget in (r for r in resources if r.resource_type == BUDGET):
        for cost_filter in items(get(budget.props, "costFilters")):
            if get(cost_filter, "name") != "TagKeyValue":
                continue
            for value in items(get(cost_filter, "values")):
                if isinstance(value, str) and not is_unknown(value) and value.startswith(prefix):
                    found.add(value[len(prefix) :])
    return found


def _check(args: StackValidationArgs, report: ReportViolation) -> None:
    budgeted = budgeted_tenants(args.resources)
    for tenant, namespace, resource in tenant_namespaces(args.resources):
        environment = environment_of(resource)
        if environment in BUDGETED_ENVIRONMENTS and tenant not in budgeted:
            report(
                f"tenant {tenant!r} ({namespace}) has no budget in {environment}; every tenant "
                f"of staging and prod needs an AWS Budgets budget filtered on TagKeyValue "
                f"user:{TENANT}${tenant} (TenantObservability creates it from monthlyBudgetUsd)",
                resource.urn,
            )


tenant_budget_present = StackValidationPolicy(
    name="tenant-budget-present",
    description="Every tenant of a staging or prod stack has an AWS Budgets budget of its own.",
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(properties={}),
)
