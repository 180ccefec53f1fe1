"""Every resource type the example stacks declare is described in policy/resource_types.py.

A new type without an entry would silently be judged with no knowledge at all (no taggability
when tags are left out, every change only "changed"); this test makes adding one a conscious
entry in the table.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from policy.resource_types import RESOURCE_TYPES, TAGGABLE_AWS_TYPES
from review.render import RenderedStack


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_rendered_type_has_an_entry(
    stack: str, rendered: Callable[[str], RenderedStack]
) -> None:
    resources = rendered(stack).resources
    declared = {r["type"] for r in resources if r["type"].startswith(("aws:", "kubernetes:"))}
    assert declared - set(RESOURCE_TYPES) == set()
    tagged = {
        r["type"] for r in resources if r["type"].startswith("aws:") and "tags" in r["inputs"]
    }
    assert tagged <= TAGGABLE_AWS_TYPES
