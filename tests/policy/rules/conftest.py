"""Fixtures the per-rule tests share."""

from __future__ import annotations

import pytest

from catalog import signing


@pytest.fixture(scope="module")
def test_key() -> signing.PrivateKey:
    """An approver key made for the test, trusted only where a test's config says so."""
    return signing.generate_private_key()
