"""The one table of per-type knowledge is well formed, and what reads it agrees with it."""

from __future__ import annotations

import re

from policy import resource_types
from policy.resource_types import RESOURCE_TYPES, TAGGABLE_AWS_TYPES, ResourceType, knowledge_of
from review import replacement_rules
from review.weaker_settings import SECURITY_CONTROL_TYPES, STATEFUL_TYPES

TOKEN = re.compile(r"^(aws|kubernetes):[A-Za-z0-9.\-]+(/[A-Za-z0-9]+)?:[A-Za-z0-9]+$")


def test_every_entry_is_a_type_token_with_its_sources() -> None:
    for token, known in RESOURCE_TYPES.items():
        assert known.token == token and TOKEN.match(token), token
        if known.replaced_when:
            assert known.replacement_source, f"{token}: a force-new rule needs its source"
        assert not (known.taggable and token.startswith("kubernetes:")), token


def test_only_aws_types_are_taggable() -> None:
    assert TAGGABLE_AWS_TYPES and all(t.startswith("aws:") for t in TAGGABLE_AWS_TYPES)
    for token in resource_types.both_modules(resource_types.LOAD_BALANCER):
        assert token in TAGGABLE_AWS_TYPES


def test_a_type_nobody_described_is_known_to_need_nothing() -> None:
    assert knowledge_of("aws:foo/bar:Baz") == ResourceType("aws:foo/bar:Baz")
    assert replacement_rules.rules_for("aws:foo/bar:Baz") == ()


def test_the_review_reads_replacements_and_call_outs_from_the_table() -> None:
    bucket = RESOURCE_TYPES[resource_types.BUCKET]
    rules = replacement_rules.rules_for(resource_types.BUCKET)
    assert [rule.path for rule in rules] == list(bucket.replaced_when)
    assert {rule.source for rule in rules} == {bucket.replacement_source}
    deployment = replacement_rules.rules_for(resource_types.DEPLOYMENT)
    assert [r.path for r in deployment][:2] == ["metadata.name", "metadata.namespace"]
    assert STATEFUL_TYPES[resource_types.BUCKET] == bucket.lost_on_replace
    assert SECURITY_CONTROL_TYPES[resource_types.NETWORK_POLICY] == "network policy"
