"""The pack's copy of the tag/label contract must not drift from the program's.

The pack runs in the CLI's own virtualenv from ``policy/`` and cannot import
``components/labels.py``, so it keeps a copy; this test is what keeps the two equal.
"""

from __future__ import annotations

from components import labels
from policy import resource_views


def test_the_pack_requires_exactly_the_keys_the_program_writes() -> None:
    assert resource_views.REQUIRED_KEYS == labels.REQUIRED_KEYS
    assert resource_views.PREFIX == labels.PREFIX
    assert resource_views.FLEET_SERVER == labels.FLEET_SERVER
