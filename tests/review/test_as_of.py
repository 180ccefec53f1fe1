"""Reviews can be judged as of a given day, so time-bound policies are reproducible."""

from __future__ import annotations

from review.analyze import judged_as_of
from review.policy_config import DeclaredPolicy, PolicyConfig

SCAN_POLICY = DeclaredPolicy(
    name="catalog-supply-chain",
    description="scan age",
    enforcement_level="mandatory",
    config_schema={"now": {"type": "string"}, "maxScanAgeDays": {"type": "integer"}},
)
TIMELESS_POLICY = DeclaredPolicy(
    name="lb-listener-tls", description="tls", enforcement_level="mandatory", config_schema={}
)


def test_now_is_pinned_only_where_a_policy_reads_it() -> None:
    config = {"catalog-supply-chain": PolicyConfig("mandatory", {"maxScanAgeDays": 30})}
    pinned = judged_as_of(config, [SCAN_POLICY, TIMELESS_POLICY], "2026-11-26")
    assert pinned["catalog-supply-chain"] == PolicyConfig(
        "mandatory", {"maxScanAgeDays": 30, "now": "2026-11-26"}
    )
    assert "lb-listener-tls" not in pinned


def test_without_a_date_the_config_is_left_to_judge_by_today() -> None:
    config = {"catalog-supply-chain": PolicyConfig("mandatory", {"maxScanAgeDays": 30})}
    assert judged_as_of(config, [SCAN_POLICY], None) == config
    assert judged_as_of(config, [SCAN_POLICY], "") == config
