"""The metric queries of the SLO alarms: ALB and log-metric inputs, ratios, composite rules.

The expressions themselves (the error ratio an SLO is judged by) come from
``components/slo_math.py``, where the dashboard takes them too, so the alarm and the graph
a person looks at during the page can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from components.log_metrics import NAMESPACE, metric
from components.slo_math import (
    ELIGIBLE_CALLS,
    BurnRateTier,
    BurnWindow,
    error_ratio_expression,
    ratio_expression,
)

ALB_NAMESPACE = "AWS/ApplicationELB"


def window_kind(window: BurnWindow) -> str:
    return f"burn-rate-{window.label}"


def alb_query(
    query_id: str, metric_name: str, dimensions: Mapping[str, pulumi.Input[str]], period: int
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=query_id,
        return_data=False,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace=ALB_NAMESPACE,
            metric_name=metric_name,
            dimensions=dict(dimensions),
            period=period,
            stat="Sum",
        ),
    )


def log_query(
    query_id: str, key: str, environment: str, tenant: str, server: str, period: int
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=query_id,
        return_data=False,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace=NAMESPACE,
            metric_name=metric(key).metric_name,
            dimensions=metric(key).server_dimensions(environment, tenant, server),
            period=period,
            stat="Sum",
        ),
    )


def ratio_queries(
    numerator: aws.cloudwatch.MetricAlarmMetricQueryArgs,
    denominator: aws.cloudwatch.MetricAlarmMetricQueryArgs,
    label: str,
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    """``numerator / denominator``, 0 when nothing failed, no value when there was no traffic."""
    return [
        numerator,
        denominator,
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="ratio",
            label=label,
            expression=ratio_expression(str(numerator.id), str(denominator.id)),
            return_data=True,
        ),
    ]


def error_ratio_queries(
    environment: str, tenant: str, server: str, period: int, *, label: str = "error ratio"
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    return [
        log_query("calls", "tool-calls", environment, tenant, server, period),
        log_query("errors", "tool-errors", environment, tenant, server, period),
        log_query("rejected", "tool-rejections", environment, tenant, server, period),
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="eligible",
            label="calls the SLO counts",
            expression=ELIGIBLE_CALLS,
            return_data=False,
        ),
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="ratio", label=label, expression=error_ratio_expression(), return_data=True
        ),
    ]


def success_queries(
    environment: str, tenant: str, server: str, period: int
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    """The error ratio, not returned, and ``1 - ratio`` returned: the success ratio."""
    queries = error_ratio_queries(environment, tenant, server, period)
    ratio = queries[-1]
    queries[-1] = aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id="ratio", label="error ratio", expression=ratio.expression, return_data=False
    )
    queries.append(
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="success", label="tool success ratio", expression="1 - ratio", return_data=True
        )
    )
    return queries


def composite_rule(names: Mapping[str, str], tiers: Sequence[BurnRateTier]) -> str:
    """``(ALARM("long") AND ALARM("short")) OR ...``: both windows of a tier must burn."""
    clauses = [
        f'(ALARM("{names[window_kind(t.long_window)]}") AND ALARM("{names[window_kind(t.short_window)]}"))'
        for t in tiers
    ]
    return " OR ".join(clauses)


def tiers_text(tiers: Sequence[BurnRateTier]) -> str:
    return " or ".join(
        f"{t.burn_rate:g}x over {t.long_window.label} and {t.short_window.label}" for t in tiers
    )
