"""traffic-via-gateway: a passing stack, then one way around the gateway at a time."""

from __future__ import annotations

from typing import Any

import pytest

from policy.rules.traffic_via_gateway import traffic_via_gateway
from tests.policy.harness import UNKNOWN, resource, stack_args, violations

TENANT = "mcp-fleet.io/tenant"
SERVER = "mcp-fleet.io/server"
TG = "aws:lb/targetGroup:TargetGroup"
RULE = "aws:lb/listenerRule:ListenerRule"
LISTENER = "aws:lb/listener:Listener"
BINDING = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"
SERVICE = "kubernetes:core/v1:Service"
NAMESPACE = "kubernetes:core/v1:Namespace"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
ARN = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/{}/0123456789abcdef"
GATEWAY_ARN = ARN.format("mcp-prod-gateway")
SERVER_ARN = ARN.format("mcp-prod-github")


def target_group(name: str, arn: Any) -> Any:
    return resource(TG, {"name": name, "arn": arn, "port": 8080}, name=name)


def binding(
    group: Any, *, arn: Any = GATEWAY_ARN, ns: str = "mcp-gateway", svc: str = "mcp-gateway"
) -> Any:
    props = {
        "metadata": {"name": svc, "namespace": ns},
        "spec": {"targetGroupARN": arn, "serviceRef": {"name": svc, "port": 8080}},
    }
    return resource(BINDING, props, name=f"{svc}-binding", property_dependencies={"spec": [group]})


def forward_rule(group: Any, arn: Any, *, name: str = "gateway-hosts-1") -> Any:
    props = {
        "priority": 100,
        "conditions": [{"hostHeader": {"values": ["mcp.example.com"]}}],
        "actions": [{"type": "forward", "targetGroupArn": arn}],
    }
    return resource(RULE, props, name=name, property_dependencies={"actions": [group]})


def not_found_listener() -> Any:
    action = {"type": "fixed-response", "fixedResponse": {"statusCode": "404"}}
    return resource(LISTENER, {"port": 443, "defaultActions": [action]}, name="https")


def tenant_namespace(tenant: str = "acme") -> Any:
    props = {"metadata": {"name": f"mcp-{tenant}", "labels": {TENANT: tenant}}}
    return resource(NAMESPACE, props, name=tenant)


def service(kind: str, *, ns: str = "mcp-acme", labels: dict[str, str] | None = None) -> Any:
    props = {"metadata": {"name": "github", "namespace": ns, "labels": labels or {}}}
    return resource(
        SERVICE, {**props, "spec": {"type": kind, "ports": [{"port": 8080}]}}, name="github"
    )


def gateway_only() -> list[Any]:
    """The shape LoadBalancer declares: one group, its binding, a host rule, a 404 default."""
    group = target_group("gateway", GATEWAY_ARN)
    return [
        group,
        binding(group),
        forward_rule(group, GATEWAY_ARN),
        not_found_listener(),
        tenant_namespace(),
        service("ClusterIP"),
        service("ClusterIP", ns="mcp-gateway"),
    ]


def problems(resources: list[Any], config: dict[str, Any] | None = None) -> list[str]:
    return violations(traffic_via_gateway, stack_args(resources, config))


def test_the_gateway_only_shape_passes() -> None:
    assert problems(gateway_only()) == []


def test_unknown_arns_in_a_preview_pass_when_the_dependencies_lead_to_the_gateway() -> None:
    group = target_group("gateway", UNKNOWN)
    resources = [group, binding(group, arn=UNKNOWN), forward_rule(group, UNKNOWN)]
    assert problems(resources) == []


# -- TargetGroupBindings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "what"),
    [
        ({"ns": "mcp-acme", "svc": "github"}, "Service 'github' in namespace 'mcp-acme'"),
        (
            {"ns": "mcp-acme", "svc": "mcp-gateway"},
            "Service 'mcp-gateway' in namespace 'mcp-acme'",
        ),
        ({"ns": "mcp-gateway", "svc": "github"}, "Service 'github' in namespace 'mcp-gateway'"),
    ],
)
def test_a_binding_of_anything_but_the_gateway_service_fails(
    where: dict[str, str], what: str
) -> None:
    stray = binding(target_group("github", SERVER_ARN), arn=SERVER_ARN, **where)
    [message] = problems([*gateway_only(), stray])
    assert f"registers {what} with the load balancer" in message
    assert "only the gateway's Service 'mcp-gateway' in 'mcp-gateway'" in message


def test_the_gateway_is_named_by_the_config() -> None:
    group = target_group("edge", GATEWAY_ARN)
    resources = [
        group,
        binding(group, ns="edge", svc="edge-proxy"),
        forward_rule(group, GATEWAY_ARN),
    ]
    assert problems(resources, {"gatewayNamespace": "edge", "gatewayService": "edge-proxy"}) == []
    assert len(problems(resources)) == 2  # the binding, and the rule forwarding to its group


# -- Services and Ingresses in server namespaces ------------------------------------------


@pytest.mark.parametrize("kind", ["LoadBalancer", "NodePort"])
def test_an_exposing_service_in_a_tenant_namespace_fails(kind: str) -> None:
    [message] = problems([*gateway_only(), service(kind)])
    assert message.startswith(f"'github' in namespace 'mcp-acme' is a Service of type {kind}:")


def test_an_exposing_service_labelled_for_a_server_fails_wherever_it_is() -> None:
    labelled = service("LoadBalancer", ns="default", labels={SERVER: "github"})
    [message] = problems([*gateway_only(), labelled])
    assert "'github' in namespace 'default' is a Service of type LoadBalancer" in message


def test_a_namespace_holding_a_servers_objects_is_a_server_namespace() -> None:
    deployment = resource(
        "kubernetes:apps/v1:Deployment",
        {"metadata": {"name": "github", "namespace": "legacy", "labels": {SERVER: "github"}}},
        name="github-deployment",
    )
    [message] = problems([*gateway_only(), deployment, service("NodePort", ns="legacy")])
    assert "'github' in namespace 'legacy' is a Service of type NodePort" in message


def test_an_ingress_in_a_tenant_namespace_fails() -> None:
    ingress = resource(
        INGRESS, {"metadata": {"name": "github", "namespace": "mcp-acme"}}, name="in"
    )
    [message] = problems([*gateway_only(), ingress])
    assert "'github' in namespace 'mcp-acme' is an Ingress" in message


def test_exposing_services_outside_server_namespaces_are_not_this_rules_concern() -> None:
    for ns in ("mcp-gateway", "monitoring"):
        assert problems([*gateway_only(), service("LoadBalancer", ns=ns)]) == []


# -- listener rules and listeners ----------------------------------------------------------


def test_a_rule_forwarding_to_a_servers_group_fails() -> None:
    server = target_group("github", SERVER_ARN)
    [message] = problems(
        [*gateway_only(), server, forward_rule(server, SERVER_ARN, name="github-rule")]
    )
    assert message.startswith("'github-rule' forwards to target group(s) github, not the gateway's")


def test_a_weighted_forward_to_another_group_fails() -> None:
    server = target_group("github", SERVER_ARN)
    weighted = {
        "type": "forward",
        "forward": {"targetGroups": [{"arn": GATEWAY_ARN}, {"arn": SERVER_ARN}]},
    }
    listener = resource(LISTENER, {"port": 443, "defaultActions": [weighted]}, name="https-2")
    [message] = problems([*gateway_only(), server, listener])
    assert message.startswith("'https-2' forwards to target group(s) github,")


def test_an_unknown_arn_is_judged_by_its_dependency() -> None:
    server = target_group("github", UNKNOWN)
    [message] = problems([*gateway_only(), server, forward_rule(server, UNKNOWN, name="r")])
    assert message.startswith("'r' forwards to target group(s) github,")


def test_without_a_gateway_binding_every_forward_fails() -> None:
    resources = [r for r in gateway_only() if r.resource_type != BINDING]
    [message] = problems(resources)
    assert message.startswith("'gateway-hosts-1' forwards to target group(s) gateway,")
