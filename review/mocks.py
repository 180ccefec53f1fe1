"""Plausible engine answers for the offline render: ids, ARNs, ARN suffixes, DNS names.

Every value is derived from the resource's name and inputs with a hash, never a clock or a
random number, so two renders of the same program give the same outputs and a diff between
revisions shows only what the change did.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi

ELB_LOG_ACCOUNTS = {
    # Regions older than August 2022 deliver ALB access logs from these accounts.
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "eu-central-1": "054676820928",
    "eu-north-1": "897822967062",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864",
}


def digest(*parts: object, length: int = 17) -> str:
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()[:length]


def _uuid(*parts: object) -> str:
    h = digest(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:32]}"


class FleetMocks(pulumi.runtime.Mocks):
    """Outputs by resource type for what this program declares; unknown calls fail loudly."""

    def __init__(self, region: str, account_id: str) -> None:
        self.region = region
        self.account = account_id

    # -- resources -----------------------------------------------------------------------

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        if args.typ.startswith("kubernetes:"):
            return self._kubernetes(args.typ, args.name, inputs)
        if args.typ.startswith("aws:"):
            return self._aws(args.typ, args.name, inputs)
        return f"{args.name}-{digest(args.typ, args.name, length=8)}", inputs

    def _kubernetes(
        self, typ: str, name: str, inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        metadata = dict(inputs.get("metadata") or {})
        metadata.setdefault("name", f"{name}-{digest(typ, name, length=8)}")
        metadata["uid"] = _uuid(typ, name)
        inputs["metadata"] = metadata
        namespace = metadata.get("namespace")
        rid = f"{namespace}/{metadata['name']}" if namespace else metadata["name"]
        return rid, inputs

    def _aws(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The type's own answer from ``AWS_OUTPUTS``; a generic ARN for any other type."""
        given = _AwsResource(typ, name, inputs, self.region, self.account)
        outputs: dict[str, Any] = dict(inputs)
        build = AWS_OUTPUTS.get(typ)
        if build is not None:
            rid, extra = build(given)
            outputs.update(extra)
        else:
            rid = given.physical
            module, kind = typ.split(":")[1].split("/")[0], typ.split(":")[2]
            outputs.setdefault(
                "arn",
                f"arn:aws:{module}:{given.region}:{given.account}:"
                f"{kind[0].lower() + kind[1:]}/{given.physical}",
            )
        outputs.setdefault("id", rid)
        return rid, outputs

    # -- function calls ------------------------------------------------------------------

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        token, given = args.token, dict(args.args)
        region, account = given.get("region") or self.region, self.account
        if token == "aws:eks/getCluster:getCluster":
            name = given["name"]
            return {
                "name": name,
                "arn": f"arn:aws:eks:{region}:{account}:cluster/{name}",
                "endpoint": f"https://{digest(name, length=32).upper()}.gr7.{region}.eks.amazonaws.com",
                "certificateAuthorities": [{"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="}],
                "version": "1.33",
                "identities": [
                    {
                        "oidcs": [
                            {
                                "issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{digest(name, length=32).upper()}"
                            }
                        ]
                    }
                ],
            }
        if token == "aws:ec2/getSubnet:getSubnet":
            subnet = given.get("id", "subnet-0")
            octet = int(digest(subnet, length=4), 16) % 250
            network = ipaddress.ip_network(
                f"10.{int(digest(subnet, length=2), 16) % 200}.{octet}.0/24"
            )
            zone = "abc"[int(digest(subnet, length=2), 16) % 3]
            return {
                "id": subnet,
                "cidrBlock": str(network),
                "availabilityZone": f"{region}{zone}",
                "vpcId": "vpc-0",
            }
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": account,
                "arn": f"arn:aws:iam::{account}:user/review",
                "userId": "AIDAREVIEW",
            }
        if token == "aws:index/getRegion:getRegion":
            return {
                "name": region,
                "region": region,
                "id": region,
                "endpoint": f"ec2.{region}.amazonaws.com",
            }
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        if token == "aws:elb/getServiceAccount:getServiceAccount":
            elb_account = ELB_LOG_ACCOUNTS.get(region, "127311923021")
            return {"arn": f"arn:aws:iam::{elb_account}:root", "id": elb_account}
        raise NotImplementedError(
            f"review/mocks.py has no answer for the function {token}; add one to FleetMocks.call"
        )


@dataclass(frozen=True)
class _AwsResource:
    """What a mock answer for an AWS resource is derived from."""

    type: str
    name: str
    inputs: dict[str, Any]
    region: str
    account: str

    @property
    def physical(self) -> str:
        """The declared name, or a name the provider would generate from the resource name."""
        return (
            self.inputs.get("name") or f"{self.name[:48]}-{digest(self.type, self.name, length=7)}"
        )

    @property
    def suffix(self) -> str:
        return digest(self.type, self.name, length=16)

    @property
    def own_region(self) -> str:
        return self.inputs.get("region") or self.region

    def elb_name(self) -> str:
        return (self.inputs.get("name") or f"{self.name[:24]}-{self.suffix[:7]}")[:32]

    def elb_arn(self, part: str) -> str:
        return f"arn:aws:elasticloadbalancing:{self.region}:{self.account}:{part}/{self.suffix}"


Answer = tuple[str, dict[str, Any]]
"""(physical id, outputs beyond the inputs)."""


def _load_balancer(r: _AwsResource) -> Answer:
    name, suffix = r.elb_name(), r.suffix
    arn = r.elb_arn(f"loadbalancer/app/{name}")
    dns = f"{name}-{int(suffix[:8], 16) % 10**10}.{r.region}.elb.amazonaws.com"
    outputs = {"name": name, "arnSuffix": f"app/{name}/{suffix}", "arn": arn, "dnsName": dns}
    return arn, {**outputs, "zoneId": "Z32O12XQLNTSW2"}


def _target_group(r: _AwsResource) -> Answer:
    name = r.elb_name()
    arn = r.elb_arn(f"targetgroup/{name}")
    return arn, {"name": name, "arnSuffix": f"targetgroup/{name}/{r.suffix}", "arn": arn}


def _listener(r: _AwsResource) -> Answer:
    part = "listener" if r.type.endswith(":Listener") else "listener-rule"
    arn = r.elb_arn(f"{part}/app/{r.name[:24]}")
    return arn, {"arn": arn}


def _bucket(r: _AwsResource) -> Answer:
    prefix = r.inputs.get("bucketPrefix") or r.name
    bucket = r.inputs.get("bucket") or f"{prefix[:40]}{digest(r.name, length=12)}"
    return bucket, {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{r.own_region}.amazonaws.com",
        "region": r.own_region,
    }


def _kms_key(r: _AwsResource) -> Answer:
    key_id = _uuid(r.type, r.name)
    return key_id, {"keyId": key_id, "arn": f"arn:aws:kms:{r.own_region}:{r.account}:key/{key_id}"}


def _kms_alias(r: _AwsResource) -> Answer:
    alias = r.inputs.get("name", "alias/" + r.name)
    return r.physical, {"arn": f"arn:aws:kms:{r.region}:{r.account}:{alias}"}


def _topic(r: _AwsResource) -> Answer:
    arn = f"arn:aws:sns:{r.region}:{r.account}:{r.physical}"
    return arn, {"name": r.physical, "arn": arn}


def _role(r: _AwsResource) -> Answer:
    arn = f"arn:aws:iam::{r.account}:role/{r.physical}"
    return r.physical, {"name": r.physical, "arn": arn, "uniqueId": f"AROA{r.suffix.upper()}"}


def _iam_policy(r: _AwsResource) -> Answer:
    arn = f"arn:aws:iam::{r.account}:policy/{r.physical}"
    return arn, {"name": r.physical, "arn": arn}


def _log_group(r: _AwsResource) -> Answer:
    arn = f"arn:aws:logs:{r.region}:{r.account}:log-group:{r.physical}"
    return r.physical, {"name": r.physical, "arn": arn}


def _alarm(r: _AwsResource) -> Answer:
    alarm = r.inputs.get("name") or r.inputs.get("alarmName") or r.physical
    return alarm, {"arn": f"arn:aws:cloudwatch:{r.region}:{r.account}:alarm:{alarm}"}


def _dashboard(r: _AwsResource) -> Answer:
    name = r.inputs.get("dashboardName", r.physical)
    return name, {"dashboardArn": f"arn:aws:cloudwatch::{r.account}:dashboard/{name}"}


def _security_group(r: _AwsResource) -> Answer:
    group_id = f"sg-{r.suffix}"
    arn = f"arn:aws:ec2:{r.region}:{r.account}:security-group/{group_id}"
    return group_id, {"arn": arn, "name": r.physical}


AWS_OUTPUTS: dict[str, Callable[[_AwsResource], Answer]] = {
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:lb/listenerRule:ListenerRule": _listener,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:sns/topic:Topic": _topic,
    "aws:iam/role:Role": _role,
    "aws:iam/policy:Policy": _iam_policy,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
}
"""The AWS types whose outputs must look like the real ones (ARN suffixes, DNS names, ids).

A type that is not here gets its inputs back with a generic ARN, which is enough for most;
add one only when the program or a policy reads an output of that shape.
"""
