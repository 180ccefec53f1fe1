"""Every metric the servers' logs feed carries the tenant, within CloudWatch's three dimensions."""

from __future__ import annotations

import pytest

from components.log_metrics import (
    ENVIRONMENT_DIMENSION,
    ERROR_CLASS_DIMENSION,
    LOG_METRICS,
    SERVER_DIMENSION,
    TENANT_DIMENSION,
    LogMetric,
    field_selector,
)

METRIC_FILTER_DIMENSIONS = 3
"""CloudWatch Logs refuses a metric transformation with more dimensions than this."""


@pytest.mark.parametrize("log_metric", LOG_METRICS, ids=lambda m: m.key)
def test_every_log_metric_is_per_tenant_and_server(log_metric: LogMetric) -> None:
    dimensions = log_metric.dimensions
    assert len(dimensions) <= METRIC_FILTER_DIMENSIONS
    assert dimensions[TENANT_DIMENSION] == field_selector("tenant")
    assert dimensions[SERVER_DIMENSION] == field_selector("server")


@pytest.mark.parametrize("log_metric", LOG_METRICS, ids=lambda m: m.key)
def test_a_query_names_exactly_the_filters_dimensions(log_metric: LogMetric) -> None:
    """CloudWatch matches a series only on its whole dimension set: nothing more, nothing less."""
    values = log_metric.server_dimensions("prod", "acme", "search")
    assert set(values) | set(log_metric.extra_dimensions) == set(log_metric.dimensions)
    assert values[TENANT_DIMENSION] == "acme" and values[SERVER_DIMENSION] == "search"


def test_only_the_error_class_metric_gives_up_the_environment() -> None:
    without = [m.key for m in LOG_METRICS if ENVIRONMENT_DIMENSION not in m.dimensions]
    assert without == ["tool-errors-by-class"]
    (by_class,) = [m for m in LOG_METRICS if m.key == "tool-errors-by-class"]
    assert list(by_class.dimensions) == [TENANT_DIMENSION, SERVER_DIMENSION, ERROR_CLASS_DIMENSION]
