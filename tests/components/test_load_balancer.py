"""LoadBalancer built in-process from hand-made Args: the ALB, its listeners, the gateway's
target group, host rules and binding, security group and access-log bucket (variants in
built_load_balancer.py)."""

from __future__ import annotations

import importlib
import inspect
import json
import warnings
from typing import Any

import pytest

from components.labels import REQUIRED_KEYS, SERVER
from components.load_balancer_names import host_rule_groups, target_group_name
from review.render import RenderedStack
from tests.components.built_load_balancer import HEALTH_PATH, STACKS, built, variant

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
    """Only the gateway's host names are forwarded (host rules below); any other host, the
    ALB's raw DNS name included, is answered by the ALB itself."""
    result, settings = built(stack), variant(stack)
    https = listener(result, 443)["inputs"]
    assert https["protocol"] == "HTTPS"
    assert https["sslPolicy"] == settings.load_balancer.ssl_policy
    assert https["sslPolicy"].startswith("ELBSecurityPolicy-TLS13-")
    assert https["certificateArn"] == settings.network.certificate_arn
    assert https["routingHttpResponseStrictTransportSecurityHeaderValue"].startswith("max-age=")
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


# -- the gateway, the only backend ---------------------------------------------------------


def gateway_service(result: RenderedStack) -> Resource:
    (found,) = [
        r
        for r in result.of_type("kubernetes:core/v1:Service")
        if r["inputs"]["metadata"]["namespace"] == "mcp-gateway"
        and r["inputs"]["metadata"]["name"] == "mcp-gateway"
    ]
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_one_ip_target_group_for_the_gateway_checking_its_health_listener(stack: str) -> None:
    result, settings = built(stack), variant(stack)
    assert len(result.of_type(TARGET_GROUP)) == 1
    inputs = only(result, TARGET_GROUP)["inputs"]
    assert inputs["name"] == target_group_name(stack, "gateway", 8080, settings.network.vpc_id)
    assert len(inputs["name"]) <= 32
    assert inputs["targetType"] == "ip"
    assert inputs["protocol"] == "HTTP"
    # The gateway's MCP listener, and its health listener for the checks.
    assert inputs["port"] == 8080
    assert inputs["vpcId"] == settings.network.vpc_id
    # The wire carries the provider's integer, the drain the pods' preStop pause waits.
    assert inputs["deregistrationDelay"] == settings.fleet.drain_seconds == 30
    check = inputs["healthCheck"]
    assert check["path"] == HEALTH_PATH
    assert check["port"] == "8405"
    assert check["matcher"] == "200"
    assert check["protocol"] == "HTTP"
    assert 5 <= check["interval"] <= 30
    assert check["timeout"] < check["interval"]
    assert 2 <= check["healthyThreshold"] <= 3
    assert 2 <= check["unhealthyThreshold"] <= 5
    # Sessions are pinned by Mcp-Session-Id in the gateway: no cookie at the ALB.
    assert not (inputs.get("stickiness") or {}).get("enabled")


@pytest.mark.parametrize("stack", STACKS)
def test_host_rules_forward_the_gateways_hosts_five_to_a_rule(stack: str) -> None:
    result, settings = built(stack), variant(stack)
    group = only(result, TARGET_GROUP)
    https_arn = listener(result, 443)["id"]
    rules = sorted(owned(result, RULE), key=lambda rule: rule["inputs"]["priority"])
    expected = host_rule_groups(settings.hosts)
    assert len(rules) == len(expected) == (2 if stack == "prod" else 1)
    assert [rule["inputs"]["priority"] for rule in rules] == list(range(100, 100 + len(rules)))
    for rule, hosts in zip(rules, expected, strict=True):
        inputs = rule["inputs"]
        assert inputs["listenerArn"] == https_arn
        assert inputs["conditions"] == [{"hostHeader": {"values": list(hosts)}}]
        assert len(inputs["conditions"][0]["hostHeader"]["values"]) <= 5
        assert inputs["actions"] == [{"type": "forward", "targetGroupArn": group["id"]}]
    forwarded = [h for r in rules for h in r["inputs"]["conditions"][0]["hostHeader"]["values"]]
    assert sorted(forwarded) == sorted(settings.hosts)


@pytest.mark.parametrize("stack", STACKS)
def test_one_binding_registers_the_gateways_pods_and_no_servers(stack: str) -> None:
    result = built(stack)
    assert len(result.of_type(BINDING)) == 1
    binding = only(result, BINDING)
    inputs = binding["inputs"]
    service = gateway_service(result)
    security_group_id = only(result, SECURITY_GROUP)["id"]
    assert inputs["apiVersion"] == "elbv2.k8s.aws/v1beta1"
    assert inputs["kind"] == "TargetGroupBinding"
    assert inputs["metadata"]["namespace"] == "mcp-gateway"
    assert inputs["metadata"]["name"] == service["inputs"]["metadata"]["name"] == "mcp-gateway"
    assert set(REQUIRED_KEYS) <= set(inputs["metadata"]["labels"])
    assert inputs["spec"] == {
        "targetGroupARN": only(result, TARGET_GROUP)["id"],
        "targetType": "ip",
        "serviceRef": {"name": "mcp-gateway", "port": 8080},
        "networking": {
            "ingress": [
                {
                    "from": [{"securityGroup": {"groupID": security_group_id}}],
                    "ports": [
                        {"protocol": "TCP", "port": 8080},
                        {"protocol": "TCP", "port": 8405},
                    ],
                }
            ]
        },
    }
    assert {port["port"] for port in service["inputs"]["spec"]["ports"]} == {8080, 8405}
    # On the stack's own cluster, and only once the Service it binds exists.
    (cluster,) = result.of_type("pulumi:providers:kubernetes")
    assert binding["provider"].rsplit("::", 1)[0] == cluster["urn"]
    assert service["urn"] in binding["dependencies"]


# -- security group ------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_security_group_admits_web_ports_and_reaches_only_gateway_ports(stack: str) -> None:
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
    assert {r["inputs"]["fromPort"] for r in egress} == {8080, 8405}
    assert len(egress) == 2 * len(settings.network.private_subnet_ids)
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
    # The ALB, both listeners, the gateway's target group and host rules, the security
    # group and each of its rules, and the bucket: all fleet-wide, none a server's.
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
    for resource in taggable:
        assert resource["inputs"]["tags"][SERVER] == "fleet", resource["name"]


# -- naming and priorities -------------------------------------------------------------------


def test_target_group_name_changes_when_the_group_must_be_replaced() -> None:
    vpc = "vpc-0a1b2c3d4e5f60718"
    before = target_group_name("prod", "jira", 8080, vpc)
    assert target_group_name("prod", "jira", 9090, vpc) != before
    assert target_group_name("prod", "jira", 8080, "vpc-0b2c3d4e5f6071829") != before


def test_host_groups_are_sorted_unique_and_hold_five_at_most() -> None:
    hosts = [f"h{i}.example.com" for i in (7, 3, 1, 5, 2, 6, 4, 0, 8, 9, 10)]
    groups = host_rule_groups([*hosts, hosts[0]])
    assert [len(group) for group in groups] == [5, 5, 1]
    assert [h for group in groups for h in group] == sorted(set(hosts))
    assert host_rule_groups(reversed(hosts)) == groups
    assert host_rule_groups(["mcp.example.com"]) == [("mcp.example.com",)]


# -- refusals, before anything exists ---------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"hosts": ()}, "no hosts"),
        ({"hosts": ("mcp.example.com", "mcp.example.com")}, "listed twice"),
        ({"hosts": ("MCP.example.com",)}, "is not a lower-case DNS name"),
        ({"hosts": ("a" * 60 + "." + "b" * 60 + ".example",)}, "longer than 128"),
        ({"load_balancer_name": "x" * 33}, "longer than 32"),
        ({"gateway_port": 0}, "gateway port 0 is not a TCP port"),
        ({"health_path": "healthz"}, "does not start with /"),
        ({"ingress": ("10.0.0.0/33",)}, "is not a CIDR block"),
    ],
)
def test_wrong_args_are_refused_before_any_resource_exists(
    change: dict[str, Any], words: str
) -> None:
    import dataclasses

    from tests.components.built_load_balancer import load_balancer_args

    made = load_balancer_args(variant("staging"), None)
    if "gateway_port" in change:
        change = {"gateway": dataclasses.replace(made.gateway, port=change["gateway_port"])}
    if "health_path" in change:
        change = {"gateway": dataclasses.replace(made.gateway, health_path=change["health_path"])}
    if "ingress" in change:
        change = {"network": dataclasses.replace(made.network, ingress_cidrs=change["ingress"])}
    with pytest.raises(ValueError, match=words):
        dataclasses.replace(made, **change)
