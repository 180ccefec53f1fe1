"""Reviews can be judged as of a given day, so time-bound policies are reproducible."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from review.analyze import AS_OF_VARIABLE, judged_as_of
from review.pipeline import ReviewRequest, check_policy
from review.policy_config import DeclaredPolicy, PolicyConfig
from review.render import RenderedStack

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


def test_the_example_prod_stack_still_passes_years_ahead(
    rendered: Callable[[str], RenderedStack], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example catalog's scans are years stale by then; as examples they still pass."""
    monkeypatch.setenv(AS_OF_VARIABLE, "2031-06-01")
    report = check_policy(rendered("prod"), ReviewRequest("prod"))
    assert report is not None
    assert [d.message for d in report.mandatory_violations] == []
    assert report.config["catalog-supply-chain"].properties["now"] == "2031-06-01"
