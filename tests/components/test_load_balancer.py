"""LoadBalancer built in-process from hand-made Args: the ALB, its listeners, routes, bindings,
security group and access-log bucket (variants in built_load_balancer.py)."""

from __future__ import annotations

import importlib
import inspect
import json
import warnings
from typing import Any

import pytest

from catalog.entry import SessionMode
from components.labels import REQUIRED_KEYS, SERVER
from components.load_balancer_names import rule_priorities, target_group_name
from review.render import RenderedStack
from tests.components.built_load_balancer import STACKS, built, variant

Resource = dict[str, Any]
COMPONENT = "mcp-fleet:load_balancer:LoadBalancer"
ALB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
BINDING = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
DELETION_PROTECTED = {"dev": False, "staging": True, "prod": True}
MOCK_ELB_LOG_ACCOUNT_EU_WEST_1 = "156460612806"


def component(result: RenderedStack) -> Resource:
    (found,) = result.of_type(COMPONENT)
    return found


def owned(result: RenderedStack, type_token: str) -> list[Resource]:
    """Resources of a type anywhere under the LoadBalancer component."""
    urn = component(result)["urn"]
    return [r for r in result.descendants_of(urn) if r["type"] == type_token]


def only(result: RenderedStack, type_token: str) -> Resource:
    (found,) = owned(result, type_token)
    return found


def listener(result: RenderedStack, port: int) -> Resource:
    (found,) = [r for r in owned(result, LISTENER) if r["inputs"]["port"] == port]
    return found


def by_server(resources: list[Resource]) -> dict[str, Resource]:
    """Server-scoped resources keyed by the server tag (TGs, rules) or label (bindings)."""
    keyed: dict[str, Resource] = {}
    for resource in resources:
        inputs = resource["inputs"]
        labels = inputs["metadata"]["labels"] if "metadata" in inputs else inputs["tags"]
        server = labels[SERVER]
        assert server not in keyed, f"two {resource['type']} for {server}"
        keyed[server] = resource
    return keyed


def source(rule: Resource) -> str:
    """An ingress rule's CIDR, IPv4 or IPv6 (each rule carries exactly one)."""
    inputs = rule["inputs"]
    assert ("cidrIpv4" in inputs) != ("cidrIpv6" in inputs), rule["name"]
    return str(inputs.get("cidrIpv4") or inputs["cidrIpv6"])


def is_taggable(type_token: str) -> bool:
    """Whether pulumi-aws lets this resource type carry tags, from the SDK's own signature."""
    module, kind = type_token.split(":")[1].split("/")[0], type_token.split(":")[2]
    with warnings.catch_warnings():  # importing a pulumi-aws module warns about its deprecations
        warnings.simplefilter("ignore", DeprecationWarning)
        cls = getattr(importlib.import_module(f"pulumi_aws.{module}"), kind)
    return "tags" in inspect.signature(cls._internal_init).parameters


# -- the load balancer -----------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_one_internet_facing_hardened_alb_per_stack(stack: str) -> None:
    result, settings = built(stack), variant(stack)
    assert len(result.of_type(ALB)) == 1
    alb = only(result, ALB)
    inputs = alb["inputs"]
    assert inputs["loadBalancerType"] == "application"
    assert inputs["internal"] is False
    assert inputs["subnets"] == list(settings.network.public_subnet_ids)
    assert inputs["dropInvalidHeaderFields"] is True
    assert inputs["desyncMitigationMode"] == "strictest"
    assert inputs["enableDeletionProtection"] is DELETION_PROTECTED[stack]
    assert inputs["idleTimeout"] == settings.load_balancer.idle_timeout_seconds
    assert len(inputs["name"]) <= 32
    assert inputs["securityGroups"] == [only(result, SECURITY_GROUP)["id"]]


@pytest.mark.parametrize("stack", STACKS)
def test_access_logs_go_to_the_bucket_after_its_policy(stack: str) -> None:
    result = built(stack)
    alb = only(result, ALB)
    bucket = only(result, "aws:s3/bucket:Bucket")
    policy = only(result, "aws:s3/bucketPolicy:BucketPolicy")
    assert alb["inputs"]["accessLogs"] == {
        "enabled": True,
        "bucket": bucket["id"],
        "prefix": "alb",
    }
    # ALB creation fails unless it may already write its logs.
    assert policy["urn"] in alb["dependencies"]


@pytest.mark.parametrize("stack", STACKS)
def test_https_listener_ends_tls_13_and_answers_unknown_hosts_404(stack: str) -> None:
    result, settings = built(stack), variant(stack)
    https = listener(result, 443)["inputs"]
    assert https["protocol"] == "HTTPS"
    assert https["sslPolicy"] == settings.load_balancer.ssl_policy
    assert https["sslPolicy"].startswith("ELBSecurityPolicy-TLS13-")
    assert https["certificateArn"] == settings.network.certificate_arn
    assert https["loadBalancerArn"] == only(result, ALB)["id"]
    (default,) = https["defaultActions"]
    assert default["type"] == "fixed-response"
    fixed = default["fixedResponse"]
    assert fixed["statusCode"] == "404"
    assert fixed["contentType"] == "application/json"
    assert json.loads(fixed["messageBody"])["error"] == "not_found"


@pytest.mark.parametrize("stack", STACKS)
def test_http_listener_only_redirects_to_https(stack: str) -> None:
    result = built(stack)
    assert len(owned(result, LISTENER)) == 2
    http = listener(result, 80)["inputs"]
    assert http["protocol"] == "HTTP"
    assert "sslPolicy" not in http
    assert http["defaultActions"] == [
        {
            "type": "redirect",
            "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
        }
    ]


# -- one route per server --------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_one_ip_target_group_per_server_checking_readiness(stack: str) -> None:
    result, settings = built(stack), variant(stack)
    groups = by_server(owned(result, TARGET_GROUP))
    assert set(groups) == {server.name for server in settings.servers}
    names = [group["inputs"]["name"] for group in groups.values()]
    assert len(set(names)) == len(names)
    for server in settings.servers:
        inputs = groups[server.name]["inputs"]
        assert len(inputs["name"]) <= 32
        assert inputs["targetType"] == "ip"
        assert inputs["protocol"] == "HTTP"
        assert inputs["port"] == server.entry.port
        assert inputs["vpcId"] == settings.network.vpc_id
        # The wire carries the provider's integer, the drain the pods' preStop pause waits.
        assert inputs["deregistrationDelay"] == settings.fleet.drain_seconds == 30
        check = inputs["healthCheck"]
        assert check["path"] == server.entry.health.readiness
        assert check["matcher"] == "200"
        assert check["protocol"] == "HTTP"
        assert check["port"] == "traffic-port"
        assert 5 <= check["interval"] <= 30
        assert check["timeout"] < check["interval"]
        assert 2 <= check["healthyThreshold"] <= 3
        assert 2 <= check["unhealthyThreshold"] <= 5


@pytest.mark.parametrize("stack", STACKS)
def test_stickiness_only_for_stateful_servers(stack: str) -> None:
    result, settings = built(stack), variant(stack)
    groups = by_server(owned(result, TARGET_GROUP))
    modes = {server.name: server.entry.session_mode for server in settings.servers}
    assert SessionMode.STATEFUL in modes.values()
    assert SessionMode.STATELESS in modes.values()
    for name, mode in modes.items():
        stickiness = groups[name]["inputs"].get("stickiness")
        if mode is SessionMode.STATEFUL:
            assert stickiness is not None, name
            assert stickiness["type"] == "lb_cookie"
            assert stickiness["enabled"] is True
        else:
            assert stickiness is None or stickiness.get("enabled") is False, name


@pytest.mark.parametrize("stack", STACKS)
def test_each_hostname_routes_to_its_target_group(stack: str) -> None:
    result, settings = built(stack), variant(stack)
    groups = by_server(owned(result, TARGET_GROUP))
    rules = by_server(owned(result, RULE))
    https_arn = listener(result, 443)["id"]
    assert set(rules) == {server.name for server in settings.servers}
    priorities = [rule["inputs"]["priority"] for rule in rules.values()]
    assert len(set(priorities)) == len(priorities)
    assert all(1 <= priority <= 50_000 for priority in priorities)
    for server in settings.servers:
        inputs = rules[server.name]["inputs"]
        assert server.hostname == f"{server.name}.{settings.network.domain}"
        assert inputs["listenerArn"] == https_arn
        assert inputs["conditions"] == [{"hostHeader": {"values": [server.hostname]}}]
        assert inputs["actions"] == [
            {"type": "forward", "targetGroupArn": groups[server.name]["id"]}
        ]


@pytest.mark.parametrize("stack", STACKS)
def test_target_group_bindings_register_each_servers_pods(stack: str) -> None:
    result, settings = built(stack), variant(stack)
    groups = by_server(owned(result, TARGET_GROUP))
    bindings = by_server(owned(result, BINDING))
    assert set(bindings) == {server.name for server in settings.servers}
    assert len(result.of_type(BINDING)) == len(settings.servers)
    (cluster,) = result.of_type("pulumi:providers:kubernetes")
    security_group_id = only(result, SECURITY_GROUP)["id"]
    for server in settings.servers:
        binding = bindings[server.name]
        inputs = binding["inputs"]
        assert inputs["apiVersion"] == "elbv2.k8s.aws/v1beta1"
        assert inputs["kind"] == "TargetGroupBinding"
        assert inputs["metadata"]["namespace"] == server.namespace
        assert set(REQUIRED_KEYS) <= set(inputs["metadata"]["labels"])
        assert inputs["spec"] == {
            "targetGroupARN": groups[server.name]["id"],
            "targetType": "ip",
            "serviceRef": {"name": server.name, "port": server.entry.port},
            "networking": {
                "ingress": [
                    {
                        "from": [{"securityGroup": {"groupID": security_group_id}}],
                        "ports": [{"protocol": "TCP", "port": server.entry.port}],
                    }
                ]
            },
        }
        # On the stack's own cluster, and only once the Service it binds exists.
        assert binding["provider"].rsplit("::", 1)[0] == cluster["urn"]
        (service,) = [
            r
            for r in result.of_type("kubernetes:core/v1:Service")
            if r["name"] == f"mcp-{server.name}-service"
        ]
        assert service["urn"] in binding["dependencies"]


# -- security group ------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_security_group_admits_web_ports_and_reaches_only_pod_ports(stack: str) -> None:
    result, settings = built(stack), variant(stack)
    group = only(result, SECURITY_GROUP)
    assert group["inputs"]["vpcId"] == settings.network.vpc_id
    assert "ingress" not in group["inputs"] and "egress" not in group["inputs"]
    ingress = owned(result, INGRESS_RULE)
    egress = owned(result, EGRESS_RULE)
    for rule in ingress + egress:
        assert rule["inputs"]["securityGroupId"] == group["id"]
        assert rule["inputs"]["ipProtocol"] == "tcp"
        assert rule["inputs"]["fromPort"] == rule["inputs"]["toPort"]
        assert rule["inputs"]["description"].strip()
    assert sorted((r["inputs"]["fromPort"], source(r)) for r in ingress) == sorted(
        (port, cidr) for port in (80, 443) for cidr in settings.network.ingress_cidrs
    )
    ports = {server.entry.port for server in settings.servers}
    assert {r["inputs"]["fromPort"] for r in egress} == ports
    assert len(egress) == len(ports) * len(settings.network.private_subnet_ids)
    public_cidrs = {source(r) for r in ingress if source(r) != "0.0.0.0/0"}
    for rule in egress:
        cidr = rule["inputs"]["cidrIpv4"]
        assert cidr != "0.0.0.0/0" and cidr not in public_cidrs
        assert any(subnet in rule["name"] for subnet in settings.network.private_subnet_ids)


# -- access-log bucket -----------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_access_log_bucket_is_private_encrypted_and_expires(stack: str) -> None:
    result, settings = built(stack), variant(stack)
    bucket = only(result, "aws:s3/bucket:Bucket")["id"]
    block = only(result, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")["inputs"]
    assert block == {
        "bucket": bucket,
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    ownership = only(result, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership["inputs"]["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    encryption = only(
        result,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )
    assert encryption["inputs"]["rules"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
    ]
    versioning = only(result, "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning["inputs"]["versioningConfiguration"] == {"status": "Enabled"}
    lifecycle = only(result, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    rules = {rule["id"]: rule for rule in lifecycle["inputs"]["rules"]}
    assert all(rule["status"] == "Enabled" for rule in rules.values())
    expire = rules["expire-access-logs"]
    assert expire["expiration"] == {"days": settings.load_balancer.access_log_retention_days}
    assert expire["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 1}
    assert expire["noncurrentVersionExpiration"]["noncurrentDays"] >= 1
    for handled in (block, ownership["inputs"], encryption["inputs"], lifecycle["inputs"]):
        assert handled["bucket"] == bucket


def test_retention_follows_the_stack_file() -> None:
    days = {
        stack: only(
            built(stack), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
        )["inputs"]["rules"][0]["expiration"]["days"]
        for stack in STACKS
    }
    assert days == {
        stack: variant(stack).load_balancer.access_log_retention_days for stack in STACKS
    }


@pytest.mark.parametrize("stack", STACKS)
def test_bucket_policy_lets_only_log_delivery_write_and_only_over_tls(stack: str) -> None:
    result = built(stack)
    bucket = only(result, "aws:s3/bucket:Bucket")
    arn = f"arn:aws:s3:::{bucket['id']}"
    policy = only(result, "aws:s3/bucketPolicy:BucketPolicy")
    document = json.loads(policy["inputs"]["policy"])
    statements = {statement["Sid"]: statement for statement in document["Statement"]}
    account = variant(stack).cluster.oidc_provider_arn.split(":")[4]
    log_objects = f"{arn}/alb/AWSLogs/{account}/*"
    writers = [s for s in statements.values() if s["Effect"] == "Allow"]
    assert {json.dumps(s["Principal"], sort_keys=True) for s in writers} == {
        json.dumps({"AWS": f"arn:aws:iam::{MOCK_ELB_LOG_ACCOUNT_EU_WEST_1}:root"}),
        json.dumps({"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}),
    }
    for statement in writers:
        assert statement["Action"] == "s3:PutObject"
        assert statement["Resource"] == log_objects
    deny = statements["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == "*"
    assert deny["Action"] == "s3:*"
    assert sorted(deny["Resource"]) == [arn, f"{arn}/*"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# -- tags ------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_every_taggable_resource_carries_the_standard_tags(stack: str) -> None:
    result = built(stack)
    aws_resources = [
        r for r in result.descendants_of(component(result)["urn"]) if r["type"].startswith("aws:")
    ]
    taggable = [r for r in aws_resources if is_taggable(r["type"])]
    # The ALB, both listeners, a target group and a rule per server, the security group
    # and each of its rules, and the bucket.
    assert {r["type"] for r in taggable} >= {
        ALB,
        LISTENER,
        RULE,
        TARGET_GROUP,
        SECURITY_GROUP,
        INGRESS_RULE,
        EGRESS_RULE,
        "aws:s3/bucket:Bucket",
    }
    for resource in taggable:
        tags = resource["inputs"].get("tags") or {}
        missing = set(REQUIRED_KEYS) - set(tags)
        assert not missing, f"{resource['name']} lacks {sorted(missing)}"
        assert tags["mcp-fleet.io/environment"] == stack
    settings = variant(stack)
    for scoped in (TARGET_GROUP, RULE):
        assert set(by_server(owned(result, scoped))) == {s.name for s in settings.servers}
    for shared in (ALB, SECURITY_GROUP, "aws:s3/bucket:Bucket"):
        assert only(result, shared)["inputs"]["tags"][SERVER] == "fleet"


# -- naming and priorities -------------------------------------------------------------------


def test_target_group_names_fit_and_stay_unique_for_long_server_names() -> None:
    vpc = "vpc-0a1b2c3d4e5f60718"
    long_a = "a-very-long-server-name-that-goes-on-one"
    long_b = "a-very-long-server-name-that-goes-on-two"
    names = {target_group_name("staging", server, 8080, vpc) for server in (long_a, long_b)}
    assert len(names) == 2
    for name in names:
        assert len(name) <= 32
        assert not name.startswith("-") and not name.endswith("-")
        assert all(c.isalnum() or c == "-" for c in name)
    short = target_group_name("prod", "jira", 8080, vpc)
    assert short.startswith("mcp-prod-jira-")
    assert short == target_group_name("prod", "jira", 8080, vpc)


def test_target_group_name_changes_when_the_group_must_be_replaced() -> None:
    vpc = "vpc-0a1b2c3d4e5f60718"
    before = target_group_name("prod", "jira", 8080, vpc)
    assert target_group_name("prod", "jira", 9090, vpc) != before
    assert target_group_name("prod", "jira", 8080, "vpc-0b2c3d4e5f6071829") != before


def test_rule_priorities_survive_adding_and_removing_servers() -> None:
    fleet = ["github", "jira", "slack", "postgres-query", "docs-search"]
    before = rule_priorities(fleet)
    after = rule_priorities([*fleet, "aaa-new-server"])
    assert {name: after[name] for name in fleet} == before
    assert rule_priorities(reversed(fleet)) == before
    assert len(set(after.values())) == len(after)


def test_rule_priorities_stay_distinct_for_many_servers() -> None:
    names = [f"server-{i}" for i in range(2_000)]
    priorities = rule_priorities(names)
    assert len(set(priorities.values())) == len(names)
    assert all(1 <= p <= 50_000 for p in priorities.values())


# -- refusals, before anything exists ---------------------------------------------------------


def test_wrong_args_are_refused_before_any_resource_exists() -> None:
    import dataclasses

    from components.load_balancer import LoadBalancerArgs
    from tests.components.built_load_balancer import load_balancer_args

    case = variant("staging")

    def made(**changes: Any) -> LoadBalancerArgs:
        # Backends are never touched by the checks, so stand-ins suffice.
        args = load_balancer_args(case, dict.fromkeys((s.name for s in case.servers), None))  # type: ignore[arg-type]
        return dataclasses.replace(args, **changes)

    with pytest.raises(ValueError, match="routed twice"):
        made(routes=[*made().routes, made().routes[0]])
    with pytest.raises(ValueError, match="no routes"):
        made(routes=[])
    with pytest.raises(ValueError, match="is not a CIDR block"):
        made(network=dataclasses.replace(made().network, ingress_cidrs=("10.0.0.0/33",)))
    with pytest.raises(ValueError, match="longer than 32"):
        made(load_balancer_name="x" * 33)
