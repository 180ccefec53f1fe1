"""The review's per-tenant summary: servers, quota used at peak, budget and issuer, text and JSON."""

from __future__ import annotations

import json

from review.model import Review, Summary
from review.report_json import render_json
from review.report_text import render_text
from review.tenant_summary import tenant_summaries
from stacks import load_settings
from tests.stacks.stack_config import raw_config


def test_each_tenant_is_summarised_from_the_plan() -> None:
    settings = load_settings(raw_config("prod"), project="mcp-fleet", stack="prod")
    summaries = {s.name: s for s in tenant_summaries(settings)}
    assert set(summaries) == {t.name for t in settings.tenant_settings}
    surge = settings.fleet.rollout_batch_percent
    for tenant in settings.tenant_settings:
        summary = summaries[tenant.name]
        own = [s for s in settings.servers if s.tenant == tenant.name]
        assert summary.servers == [s.name for s in own]
        assert summary.pods_at_peak == sum(
            s.capacity.max_replicas + -(-s.capacity.max_replicas * surge // 100) for s in own
        )
        assert 0 < summary.pods_at_peak <= summary.quota_pods == tenant.quota.pods
        assert summary.cpu_millicores_at_peak <= summary.quota_cpu_millicores
        assert summary.monthly_budget_usd == tenant.monthly_budget_usd
        assert summary.issuer == tenant.identity.issuer


def test_text_and_json_show_the_summary() -> None:
    settings = load_settings(raw_config("prod"), project="mcp-fleet", stack="prod")
    review = Review(
        project="mcp-fleet",
        stack="prod",
        resources=[],
        summary=Summary(total=0, by_type={}),
        servers=[],
        policy=[],
        tenants=tenant_summaries(settings),
    )
    text = render_text(review, width=200)
    assert "Tenants (quota used by the plan at peak" in text
    for summary in review.tenants:
        assert summary.issuer in text
        assert f"{summary.pods_at_peak} / {summary.quota_pods}" in text
        assert f"${summary.monthly_budget_usd:,.0f}/month" in text
    document = json.loads(render_json(review))
    assert [t["name"] for t in document["tenants"]] == [t.name for t in review.tenants]
    assert document["tenants"][0]["quota_pods"] == review.tenants[0].quota_pods
