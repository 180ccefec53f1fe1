"""Plausible engine answers for the offline render: ids, ARNs, ARN suffixes, DNS names.

Every value is derived from the resource's name and inputs with a hash, never a clock or a
random number, so two renders of the same program give the same outputs and a diff between
revisions shows only what the change did.
"""

from __future__ import annotations

import hashlib
import ipaddress
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
        module, kind = typ.split(":")[1].split("/")[0], typ.split(":")[2]
        region, account = self.region, self.account
        physical = inputs.get("name") or f"{name[:48]}-{digest(typ, name, length=7)}"
        suffix = digest(typ, name, length=16)
        outputs: dict[str, Any] = dict(inputs)
        rid = physical
        if typ == "aws:lb/loadBalancer:LoadBalancer":
            physical = (inputs.get("name") or f"{name[:24]}-{suffix[:7]}")[:32]
            outputs["name"] = physical
            outputs["arnSuffix"] = f"app/{physical}/{suffix}"
            outputs["arn"] = rid = (
                f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{physical}/{suffix}"
            )
            outputs["dnsName"] = (
                f"{physical}-{int(suffix[:8], 16) % 10**10}.{region}.elb.amazonaws.com"
            )
            outputs["zoneId"] = "Z32O12XQLNTSW2"
        elif typ == "aws:lb/targetGroup:TargetGroup":
            physical = (inputs.get("name") or f"{name[:24]}-{suffix[:7]}")[:32]
            outputs["name"] = physical
            outputs["arnSuffix"] = f"targetgroup/{physical}/{suffix}"
            outputs["arn"] = rid = (
                f"arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{physical}/{suffix}"
            )
        elif typ in ("aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule"):
            part = "listener" if kind == "Listener" else "listener-rule"
            outputs["arn"] = rid = (
                f"arn:aws:elasticloadbalancing:{region}:{account}:{part}/app/{name[:24]}/{suffix}"
            )
        elif typ == "aws:s3/bucket:Bucket":
            bucket = (
                inputs.get("bucket")
                or f"{(inputs.get('bucketPrefix') or name)[:40]}{digest(name, length=12)}"
            )
            outputs.update(
                bucket=bucket,
                arn=f"arn:aws:s3:::{bucket}",
                bucketDomainName=f"{bucket}.s3.amazonaws.com",
                bucketRegionalDomainName=f"{bucket}.s3.{inputs.get('region') or region}.amazonaws.com",
                region=inputs.get("region") or region,
            )
            rid = bucket
        elif typ == "aws:kms/key:Key":
            key_id = _uuid(typ, name)
            outputs.update(
                keyId=key_id,
                arn=f"arn:aws:kms:{inputs.get('region') or region}:{account}:key/{key_id}",
            )
            rid = key_id
        elif typ == "aws:kms/alias:Alias":
            outputs["arn"] = f"arn:aws:kms:{region}:{account}:{inputs.get('name', 'alias/' + name)}"
        elif typ == "aws:sns/topic:Topic":
            topic = inputs.get("name") or physical
            outputs.update(name=topic, arn=f"arn:aws:sns:{region}:{account}:{topic}")
            rid = outputs["arn"]
        elif typ == "aws:iam/role:Role":
            outputs.update(
                name=physical,
                arn=f"arn:aws:iam::{account}:role/{physical}",
                uniqueId=f"AROA{suffix.upper()}",
            )
        elif typ == "aws:iam/policy:Policy":
            outputs.update(name=physical, arn=f"arn:aws:iam::{account}:policy/{physical}")
            rid = outputs["arn"]
        elif typ == "aws:cloudwatch/logGroup:LogGroup":
            outputs.update(
                name=physical, arn=f"arn:aws:logs:{region}:{account}:log-group:{physical}"
            )
        elif typ in (
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            "aws:cloudwatch/compositeAlarm:CompositeAlarm",
        ):
            alarm = inputs.get("name") or inputs.get("alarmName") or physical
            outputs["arn"] = f"arn:aws:cloudwatch:{region}:{account}:alarm:{alarm}"
            rid = alarm
        elif typ == "aws:cloudwatch/dashboard:Dashboard":
            outputs["dashboardArn"] = (
                f"arn:aws:cloudwatch::{account}:dashboard/{inputs.get('dashboardName', physical)}"
            )
            rid = inputs.get("dashboardName", physical)
        elif typ == "aws:ec2/securityGroup:SecurityGroup":
            rid = f"sg-{suffix}"
            outputs.update(
                arn=f"arn:aws:ec2:{region}:{account}:security-group/{rid}", name=physical
            )
        else:
            outputs.setdefault(
                "arn",
                f"arn:aws:{module}:{region}:{account}:{kind[0].lower() + kind[1:]}/{physical}",
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
