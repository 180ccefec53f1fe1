"""slo-alarms-present: a server's Deployment and the alarms that watch its SLO."""

from __future__ import annotations

import copy
from typing import Any

from pulumi_policy import PolicyResource

from policy.rules.slo_alarms_present import slo_alarms_present
from tests.policy.harness import (
    DEPLOYMENT,
    UNKNOWN,
    deployment,
    resource,
    stack_args,
    tags,
    violations,
)
from tests.policy.rules.test_remote_server_governed import (
    CONFIG_MAP,
    committed_proofs,
    config_map,
    gateway,
    rendered,
)

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
TOPIC = "arn:aws:sns:eu-west-1:111122223333:page"


def latency_alarm(threshold: Any = 300, actions: Any = (TOPIC,), **extra: Any) -> dict[str, Any]:
    return {
        "metricName": "Latency",
        "namespace": "McpFleet/Gateway/prod",
        "dimensions": {"Tenant": "storefront", "Server": "github"},
        "extendedStatistic": "p95",
        "threshold": threshold,
        "comparisonOperator": "GreaterThanThreshold",
        "alarmActions": list(actions) if isinstance(actions, tuple) else actions,
        "tags": {**tags(), "mcp-fleet.io/alarm-kind": "latency-p95"},
        **extra,
    }


def availability_alarms() -> list[PolicyResource]:
    window = {
        "metricQueries": [
            {
                "id": "errors",
                "returnData": False,
                "metric": {
                    "namespace": "McpFleet/Gateway/prod",
                    "metricName": "ToolErrors",
                    "dimensions": {"Tenant": "storefront", "Server": "github"},
                    "period": 3600,
                    "stat": "Sum",
                },
            }
        ],
        "threshold": 0.072,
        "alarmActions": [],
        "tags": {**tags(), "mcp-fleet.io/alarm-kind": "burn-rate-1h"},
    }
    page = {
        "alarmRule": "ALARM(x)",
        "alarmActions": [TOPIC],
        "tags": {**tags(), "mcp-fleet.io/alarm-kind": "burn-rate-page"},
    }
    return [
        resource(METRIC_ALARM, window, name="github-burn-1h"),
        resource(COMPOSITE_ALARM, page, name="github-burn-page"),
    ]


def stack(*alarms: PolicyResource) -> list[PolicyResource]:
    return [resource(DEPLOYMENT, deployment(), name="github"), *alarms]


REQUIRE_ACTIONS = {"requireAlarmActions": True}


def test_a_server_with_matching_alarms_that_notify_passes() -> None:
    resources = stack(
        resource(METRIC_ALARM, latency_alarm(), name="github-latency"), *availability_alarms()
    )
    assert violations(slo_alarms_present, stack_args(resources, REQUIRE_ACTIONS)) == []


def test_missing_alarms_are_reported() -> None:
    found = violations(slo_alarms_present, stack_args(stack(), REQUIRE_ACTIONS))
    assert found == [
        "server 'github' declares p95 <= 300 ms but has no MetricAlarm tagged mcp-fleet.io/alarm-kind=latency-p95",
        "server 'github' declares tool success >= 99.5% but has no alarm of kind error-rate-5xx, "
        "tool-success, burn-rate-* enforcing it",
    ]


def test_a_latency_alarm_at_the_wrong_threshold_or_statistic_fails() -> None:
    for alarm in (latency_alarm(threshold=400), latency_alarm(extendedStatistic="p99")):
        resources = stack(
            resource(METRIC_ALARM, alarm, name="github-latency"), *availability_alarms()
        )
        [message] = violations(slo_alarms_present, stack_args(resources))
        assert (
            "no latency-p95 alarm watches Latency p95 at the gateway (Server=github) with "
            "threshold 300 ms" in message
        )


def test_metric_math_latency_alarms_count() -> None:
    alarm = latency_alarm()
    del alarm["metricName"], alarm["extendedStatistic"]
    alarm["metricQueries"] = [
        {
            "id": "p95",
            "returnData": True,
            "metric": {
                "namespace": "McpFleet/Gateway/prod",
                "metricName": "Latency",
                "dimensions": {"Tenant": "storefront", "Server": "github"},
                "stat": "p95",
                "period": 60,
            },
        }
    ]
    resources = stack(resource(METRIC_ALARM, alarm, name="github-latency"), *availability_alarms())
    assert violations(slo_alarms_present, stack_args(resources, REQUIRE_ACTIONS)) == []


def test_alarms_that_notify_nobody_fail_only_where_required() -> None:
    silent = copy.deepcopy(availability_alarms())
    resources = stack(
        resource(METRIC_ALARM, latency_alarm(actions=()), name="github-latency"), silent[0]
    )
    assert violations(slo_alarms_present, stack_args(resources)) == []
    found = violations(slo_alarms_present, stack_args(resources, REQUIRE_ACTIONS))
    assert found == [
        "no latency alarm of server 'github' has alarmActions: in this stage an SLO breach must page or ticket someone",
        "no availability alarm of server 'github' has alarmActions: in this stage an SLO breach must page or ticket someone",
    ]


def test_an_availability_alarm_for_another_slo_fails() -> None:
    wrong = {
        "metricName": "HTTPCode_Target_5XX_Count",
        "threshold": 0.01,
        "alarmActions": [TOPIC],
        "tags": {**tags(slo_success_rate="99.0"), "mcp-fleet.io/alarm-kind": "error-rate-5xx"},
    }
    resources = stack(
        resource(METRIC_ALARM, latency_alarm(), name="github-latency"),
        resource(METRIC_ALARM, wrong, name="github-5xx"),
        *availability_alarms(),
    )
    [message] = violations(slo_alarms_present, stack_args(resources))
    assert message == "alarm 'github-5xx' enforces success 99% but server 'github' declares 99.5%"


def test_unknown_thresholds_and_actions_are_not_violations() -> None:
    resources = stack(
        resource(
            METRIC_ALARM, latency_alarm(threshold=UNKNOWN, actions=UNKNOWN), name="github-latency"
        ),
        *availability_alarms(),
    )
    assert violations(slo_alarms_present, stack_args(resources, REQUIRE_ACTIONS)) == []


# -- measured at the gateway: what the load balancer cannot see per server ---------------------


def test_a_latency_alarm_on_the_load_balancer_no_longer_counts() -> None:
    alb = latency_alarm(
        threshold=0.3,
        metricName="TargetResponseTime",
        namespace="AWS/ApplicationELB",
        dimensions={"LoadBalancer": "app/x/1", "TargetGroup": "targetgroup/github/2"},
    )
    resources = stack(resource(METRIC_ALARM, alb, name="github-latency"), *availability_alarms())
    [message] = violations(slo_alarms_present, stack_args(resources))
    assert message == (
        "server 'github': no latency-p95 alarm watches Latency p95 at the gateway "
        "(Server=github) with threshold 300 ms (declares p95 <= 300 ms)"
    )


def test_a_latency_alarm_on_another_servers_gateway_metric_fails() -> None:
    other = latency_alarm(dimensions={"Tenant": "storefront", "Server": "slack"})
    resources = stack(resource(METRIC_ALARM, other, name="github-latency"), *availability_alarms())
    [message] = violations(slo_alarms_present, stack_args(resources))
    assert "no latency-p95 alarm watches Latency p95 at the gateway (Server=github)" in message


def test_availability_alarms_that_do_not_read_the_gateway_fail() -> None:
    alb_5xx = {
        "metricName": "HTTPCode_Target_5XX_Count",
        "namespace": "AWS/ApplicationELB",
        "dimensions": {"LoadBalancer": "app/x/1", "TargetGroup": "targetgroup/github/2"},
        "threshold": 1,
        "alarmActions": [TOPIC],
        "tags": {**tags(), "mcp-fleet.io/alarm-kind": "error-rate-5xx"},
    }
    resources = stack(
        resource(METRIC_ALARM, latency_alarm(), name="github-latency"),
        resource(METRIC_ALARM, alb_5xx, name="github-5xx"),
    )
    [message] = violations(slo_alarms_present, stack_args(resources))
    assert message.startswith(
        "server 'github': no alarm of kind error-rate-5xx, tool-success, burn-rate-* reads its "
        "tool success at the gateway (McpFleet/Gateway/<env>, Server=github)"
    )


# -- a remote server: no Deployment, a route of the gateway and its signed SLA -----------------

REMOTE = "partner-crm"


def remote_stack(*alarms: PolicyResource) -> list[PolicyResource]:
    """Staging's gateway as rendered, routing partner-crm (SLA 99.9 %, p95 350 ms)."""
    return [
        resource(CONFIG_MAP, config_map(rendered()), name="mcp-gateway-config"),
        resource(DEPLOYMENT, gateway(committed_proofs()), name="mcp-gateway"),
        *alarms,
    ]


def remote_alarms(p95: float = 350, success_rate: str = "99.9") -> list[PolicyResource]:
    """The alarms Observability gives partner-crm, tagged with its SLA as its EffectiveSlo."""
    dimensions = {"Tenant": "storefront", "Server": REMOTE}
    remote_tags = tags(server=REMOTE, slo_success_rate=success_rate, slo_p95_ms="350")
    latency = latency_alarm(threshold=p95, dimensions=dimensions, tags={
        **remote_tags, "mcp-fleet.io/alarm-kind": "latency-p95",
    })  # fmt: skip
    success = {
        "metricQueries": [
            {
                "id": "calls",
                "returnData": False,
                "metric": {
                    "namespace": "McpFleet/Gateway/staging",
                    "metricName": "ToolCalls",
                    "dimensions": dimensions,
                    "period": 86400,
                    "stat": "Sum",
                },
            }
        ],
        "threshold": 0.999,
        "alarmActions": [TOPIC],
        "tags": {**remote_tags, "mcp-fleet.io/alarm-kind": "tool-success"},
    }
    return [
        resource(METRIC_ALARM, latency, name="partner-crm-latency"),
        resource(METRIC_ALARM, success, name="partner-crm-tool-success"),
    ]


def test_a_remote_server_with_gateway_alarms_at_its_sla_passes() -> None:
    resources = remote_stack(*remote_alarms())
    assert violations(slo_alarms_present, stack_args(resources, REQUIRE_ACTIONS)) == []


def test_a_remote_server_without_alarms_is_refused() -> None:
    found = violations(slo_alarms_present, stack_args(remote_stack(), REQUIRE_ACTIONS))
    assert found == [
        "server 'partner-crm' is remote (its SLA p95 350 ms) but has no MetricAlarm tagged "
        "mcp-fleet.io/alarm-kind=latency-p95",
        "server 'partner-crm' is remote (its SLA availability 99.9%) but has no alarm of kind "
        "error-rate-5xx, tool-success, burn-rate-* enforcing it",
    ]


def test_a_remote_server_held_to_another_latency_than_its_sla_fails() -> None:
    [message] = violations(slo_alarms_present, stack_args(remote_stack(*remote_alarms(p95=800))))
    assert message == (
        "server 'partner-crm': no latency-p95 alarm watches Latency p95 at the gateway "
        "(Server=partner-crm) with threshold 350 ms (is remote (its SLA p95 350 ms))"
    )


def test_a_remote_server_alarmed_for_another_availability_fails() -> None:
    _, success = remote_alarms(success_rate="99.0")
    latency, _ = remote_alarms()
    assert violations(slo_alarms_present, stack_args(remote_stack(latency, success))) == [
        "alarm 'partner-crm-tool-success' enforces success 99% but server 'partner-crm' "
        "promises 99.9%",
        "server 'partner-crm' is remote (its SLA availability 99.9%) but has no alarm of kind "
        "error-rate-5xx, tool-success, burn-rate-* enforcing it",
    ]
