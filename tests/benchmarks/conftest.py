"""Marker for the quick runs that keep the benchmark scripts from rotting."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "benchmark_harness: runs a benchmark script on a tiny input to check it still works "
        "(no figures are judged)",
    )
