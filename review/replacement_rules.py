"""Which property changes make Pulumi replace a resource instead of updating it in place.

The review has no provider plugin, so it cannot ask the provider's Diff. It follows the
providers' own published rules where they are known and says "changed" everywhere else,
never guessing a replacement:

- pulumi-kubernetes computes replacements from a fixed table in the provider,
  ``provider/pkg/provider/diff.go`` (``forceNewProperties``): ``.metadata.name`` and
  ``.metadata.namespace`` for every kind, plus a per-kind list below.
- pulumi-aws is bridged from the Terraform AWS provider; a property marked ``ForceNew`` in
  the upstream schema (``hashicorp/terraform-provider-aws``, ``internal/service/...``)
  forces a replacement. The pulumi_aws Python package ships no schema, so the properties
  this program uses are listed here by hand with the upstream file they come from.
- A resource's own ``replaceOnChanges`` option forces a replacement for its paths.

Paths are the engine's camelCase input paths, dot-separated, with ``[*]`` for any list item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

K8S_DIFF_GO = "pulumi-kubernetes provider/pkg/provider/diff.go (forceNewProperties)"
TF_AWS = "terraform-provider-aws internal/service/{}: ForceNew"


@dataclass(frozen=True)
class ReplacementRule:
    path: str
    source: str


def _rules(source: str, *paths: str) -> tuple[ReplacementRule, ...]:
    return tuple(ReplacementRule(path, source) for path in paths)


def _label_selector(prefix: str) -> tuple[str, ...]:
    # labelSelectorForceNewProperties(prefix) in diff.go
    return (prefix, f"{prefix}.matchExpressions", f"{prefix}.matchLabels")


KUBERNETES_EVERY_KIND = _rules(K8S_DIFF_GO, "metadata.name", "metadata.namespace")

KUBERNETES_BY_TYPE: dict[str, tuple[ReplacementRule, ...]] = {
    # apps/v1: the selector is immutable once created. (diff.go spells the DaemonSet kind
    # "Daemonset", so the provider never applies that entry; it is left out here too.)
    "kubernetes:apps/v1:Deployment": _rules(K8S_DIFF_GO, *_label_selector("spec.selector")),
    "kubernetes:apps/v1:StatefulSet": _rules(
        K8S_DIFF_GO,
        "spec.podManagementPolicy",
        "spec.revisionHistoryLimit",
        "spec.serviceName",
        "spec.volumeClaimTemplates",
        *_label_selector("spec.selector"),
    ),
    "kubernetes:core/v1:ConfigMap": _rules(K8S_DIFF_GO, "binaryData", "data"),
    "kubernetes:core/v1:Secret": _rules(K8S_DIFF_GO, "type", "stringData", "data"),
    "kubernetes:core/v1:Service": _rules(K8S_DIFF_GO, "spec.clusterIP"),
    "kubernetes:core/v1:PersistentVolumeClaim": _rules(K8S_DIFF_GO, "spec"),
    "kubernetes:core/v1:ResourceQuota": _rules(K8S_DIFF_GO, "spec.scopes"),
    "kubernetes:batch/v1:Job": _rules(
        K8S_DIFF_GO,
        "spec.completions",
        "spec.parallelism",
        "spec.template",
        *_label_selector("spec.selector"),
    ),
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": _rules(K8S_DIFF_GO, "roleRef"),
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": _rules(K8S_DIFF_GO, "roleRef"),
    "kubernetes:storage.k8s.io/v1:StorageClass": _rules(K8S_DIFF_GO, "parameters", "provisioner"),
}

_S3 = TF_AWS.format("s3/bucket*.go")
# Every bucket sub-resource (aws_s3_bucket_versioning, ..._policy, ...) is bound to its
# bucket: "bucket" is ForceNew in each of them, as is "expectedBucketOwner".
_S3_BUCKET_CHILD = _rules(_S3, "bucket", "expectedBucketOwner")

AWS_BY_TYPE: dict[str, tuple[ReplacementRule, ...]] = {
    "aws:s3/bucket:Bucket": _rules(
        TF_AWS.format("s3/bucket.go"), "bucket", "bucketPrefix", "objectLockEnabled"
    ),
    **{
        f"aws:s3/{token}": _S3_BUCKET_CHILD
        for token in (
            "bucketVersioning:BucketVersioning",
            "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "bucketPublicAccessBlock:BucketPublicAccessBlock",
            "bucketPolicy:BucketPolicy",
            "bucketOwnershipControls:BucketOwnershipControls",
            "bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "bucketObjectLockConfiguration:BucketObjectLockConfiguration",
            "bucketReplicationConfig:BucketReplicationConfig",
            "bucketLogging:BucketLogging",
            "bucketNotification:BucketNotification",
        )
    },
    "aws:kms/key:Key": _rules(
        TF_AWS.format("kms/key.go"),
        "customerMasterKeySpec",
        "keyUsage",
        "multiRegion",
        "customKeyStoreId",
        "xksKeyId",
    ),
    "aws:kms/alias:Alias": _rules(TF_AWS.format("kms/alias.go"), "name", "namePrefix"),
    "aws:cloudwatch/logGroup:LogGroup": _rules(
        TF_AWS.format("logs/group.go"), "name", "namePrefix", "logGroupClass"
    ),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _rules(
        TF_AWS.format("cloudwatch/metric_alarm.go"), "name"
    ),
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _rules(
        TF_AWS.format("cloudwatch/composite_alarm.go"), "alarmName"
    ),
    "aws:cloudwatch/dashboard:Dashboard": _rules(
        TF_AWS.format("cloudwatch/dashboard.go"), "dashboardName"
    ),
    "aws:sns/topic:Topic": _rules(TF_AWS.format("sns/topic.go"), "name", "namePrefix", "fifoTopic"),
    "aws:sns/topicSubscription:TopicSubscription": _rules(
        TF_AWS.format("sns/topic_subscription.go"), "topic", "protocol", "endpoint"
    ),
    "aws:iam/role:Role": _rules(TF_AWS.format("iam/role.go"), "name", "namePrefix", "path"),
    "aws:iam/policy:Policy": _rules(
        TF_AWS.format("iam/policy.go"), "name", "namePrefix", "path", "description"
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _rules(
        TF_AWS.format("iam/role_policy_attachment.go"), "role", "policyArn"
    ),
    "aws:lb/loadBalancer:LoadBalancer": _rules(
        TF_AWS.format("elbv2/load_balancer.go"),
        "name",
        "namePrefix",
        "internal",
        "loadBalancerType",
        "customerOwnedIpv4Pool",
    ),
    "aws:lb/targetGroup:TargetGroup": _rules(
        TF_AWS.format("elbv2/target_group.go"),
        "name",
        "namePrefix",
        "port",
        "protocol",
        "protocolVersion",
        "targetType",
        "vpcId",
        "ipAddressType",
    ),
    "aws:lb/listener:Listener": _rules(TF_AWS.format("elbv2/listener.go"), "loadBalancerArn"),
    "aws:lb/listenerRule:ListenerRule": _rules(
        TF_AWS.format("elbv2/listener_rule.go"), "listenerArn"
    ),
    "aws:ec2/securityGroup:SecurityGroup": _rules(
        TF_AWS.format("ec2/vpc_security_group.go"), "name", "namePrefix", "vpcId", "description"
    ),
}

REPLACE_ON_CHANGES_OPTION = "the resource's replaceOnChanges option"

_LIST_INDEX = re.compile(r"\[[^\]]*\]")


def normalize(path: str) -> str:
    """``spec.containers[mcp-server].image`` -> ``spec.containers[*].image``."""
    return _LIST_INDEX.sub("[*]", path)


def covers(rule: str, path: str) -> bool:
    """A change at ``path`` touches ``rule`` when one contains the other."""
    rule, path = normalize(rule), normalize(path)
    if rule == path or rule == "*":
        return True
    return path.startswith((rule + ".", rule + "[")) or rule.startswith((path + ".", path + "["))


def rules_for(type_token: str) -> tuple[ReplacementRule, ...]:
    if type_token.startswith("kubernetes:"):
        return KUBERNETES_EVERY_KIND + KUBERNETES_BY_TYPE.get(type_token, ())
    return AWS_BY_TYPE.get(type_token, ())


def replacement_rule(
    type_token: str, path: str, replace_on_changes: tuple[str, ...] = ()
) -> ReplacementRule | None:
    """The known rule by which a change at ``path`` replaces the resource, if there is one."""
    for declared in replace_on_changes:
        if covers(declared, path):
            return ReplacementRule(declared, REPLACE_ON_CHANGES_OPTION)
    for rule in rules_for(type_token):
        if covers(rule.path, path):
            return rule
    return None


def has_known_rules(type_token: str) -> bool:
    """Whether the table knows this type at all (otherwise a change is only ever 'changed')."""
    return bool(rules_for(type_token))
