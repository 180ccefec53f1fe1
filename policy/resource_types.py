"""What the project knows about each resource type, in one table.

Adding a resource type to the program is one entry here: the policy pack reads which AWS
types take tags; the offline review reads which input changes replace a resource (the
providers' force-new rules), what replacing it loses, which types are security controls
whose removal is called out, and the type tokens its diagram and mocks draw on. Nothing
here imports anything beyond the standard library, so the pack can run on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

K8S_DIFF_GO: Final = "pulumi-kubernetes provider/pkg/provider/diff.go (forceNewProperties)"
TF_AWS: Final = "terraform-provider-aws internal/service/{}: ForceNew"


@dataclass(frozen=True)
class ResourceType:
    """Knowledge about one type token.

    ``replaced_when`` are the engine's camelCase input paths (dot-separated, ``[*]`` for any
    list item) whose change makes the provider replace the resource, cited by
    ``replacement_source``; ``lost_on_replace`` says what a replacement or deletion destroys;
    ``security_control`` names the control a deletion removes.
    """

    token: str
    taggable: bool = False
    replaced_when: tuple[str, ...] = ()
    replacement_source: str = ""
    lost_on_replace: str = ""
    security_control: str = ""


# --- type tokens --------------------------------------------------------------------------

DEPLOYMENT: Final = "kubernetes:apps/v1:Deployment"
STATEFUL_SET: Final = "kubernetes:apps/v1:StatefulSet"
DAEMON_SET: Final = "kubernetes:apps/v1:DaemonSet"
JOB: Final = "kubernetes:batch/v1:Job"
CRON_JOB: Final = "kubernetes:batch/v1:CronJob"
SERVICE: Final = "kubernetes:core/v1:Service"
SERVICE_ACCOUNT: Final = "kubernetes:core/v1:ServiceAccount"
NAMESPACE: Final = "kubernetes:core/v1:Namespace"
SECRET: Final = "kubernetes:core/v1:Secret"
CONFIG_MAP: Final = "kubernetes:core/v1:ConfigMap"
PERSISTENT_VOLUME_CLAIM: Final = "kubernetes:core/v1:PersistentVolumeClaim"
POD_DISRUPTION_BUDGET: Final = "kubernetes:policy/v1:PodDisruptionBudget"
HORIZONTAL_POD_AUTOSCALER: Final = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
HORIZONTAL_POD_AUTOSCALER_V1: Final = "kubernetes:autoscaling/v1:HorizontalPodAutoscaler"
NETWORK_POLICY: Final = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
TARGET_GROUP_BINDING: Final = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"
ROLLOUT: Final = "kubernetes:argoproj.io/v1alpha1:Rollout"
ANALYSIS_TEMPLATE: Final = "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate"

LOAD_BALANCER: Final = "aws:lb/loadBalancer:LoadBalancer"
LISTENER: Final = "aws:lb/listener:Listener"
LISTENER_RULE: Final = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP: Final = "aws:lb/targetGroup:TargetGroup"
BUCKET: Final = "aws:s3/bucket:Bucket"
BUCKET_V2: Final = "aws:s3/bucketV2:BucketV2"
BUCKET_REPLICATION: Final = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
KMS_KEY: Final = "aws:kms/key:Key"
KMS_ALIAS: Final = "aws:kms/alias:Alias"
METRIC_ALARM: Final = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE_ALARM: Final = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
LOG_GROUP: Final = "aws:cloudwatch/logGroup:LogGroup"
DASHBOARD: Final = "aws:cloudwatch/dashboard:Dashboard"
TOPIC: Final = "aws:sns/topic:Topic"
TOPIC_SUBSCRIPTION: Final = "aws:sns/topicSubscription:TopicSubscription"
IAM_ROLE: Final = "aws:iam/role:Role"
IAM_POLICY: Final = "aws:iam/policy:Policy"
SECURITY_GROUP: Final = "aws:ec2/securityGroup:SecurityGroup"

POD_TEMPLATE_WORKLOADS: Final = (DEPLOYMENT, STATEFUL_SET, DAEMON_SET, JOB)
KUBERNETES_WORKLOADS: Final = (
    *POD_TEMPLATE_WORKLOADS,
    CRON_JOB,
    SERVICE,
    SERVICE_ACCOUNT,
    POD_DISRUPTION_BUDGET,
    HORIZONTAL_POD_AUTOSCALER,
    HORIZONTAL_POD_AUTOSCALER_V1,
    NETWORK_POLICY,
    ROLLOUT,
    ANALYSIS_TEMPLATE,
)
"""Kubernetes objects that belong to a server and carry its labels (slo-tags-present)."""
ALARMS: Final = (METRIC_ALARM, COMPOSITE_ALARM)


def both_modules(token: str) -> tuple[str, str]:
    """An ELBv2 token under ``aws:lb`` and its alias module ``aws:alb`` (same resource)."""
    return token, token.replace("aws:lb/", "aws:alb/", 1)


# --- the table ------------------------------------------------------------------------------


def _k8s_selector(prefix: str) -> tuple[str, ...]:
    # labelSelectorForceNewProperties(prefix) in diff.go
    return (prefix, f"{prefix}.matchExpressions", f"{prefix}.matchLabels")


KUBERNETES_EVERY_KIND_REPLACED_WHEN: Final = ("metadata.name", "metadata.namespace")
"""pulumi-kubernetes replaces any object whose name or namespace changes."""


def _k8s(
    token: str, *paths: str, lost_on_replace: str = "", security_control: str = ""
) -> ResourceType:
    return ResourceType(
        token,
        replaced_when=paths,
        replacement_source=K8S_DIFF_GO if paths else "",
        lost_on_replace=lost_on_replace,
        security_control=security_control,
    )


def _aws(
    token: str, source: str, *paths: str, taggable: bool = True, **knowledge: str
) -> ResourceType:
    return ResourceType(
        token,
        taggable=taggable,
        replaced_when=paths,
        replacement_source=TF_AWS.format(source) if paths else "",
        **knowledge,
    )


_S3_CHILD = ("bucket", "expectedBucketOwner")
"""Every bucket sub-resource is bound to its bucket: both are ForceNew in each of them."""

_KUBERNETES: tuple[ResourceType, ...] = (
    # apps/v1: the selector is immutable once created. (diff.go spells the DaemonSet kind
    # "Daemonset", so the provider never applies that entry; it is left out here too.)
    _k8s(DEPLOYMENT, *_k8s_selector("spec.selector")),
    _k8s(
        STATEFUL_SET,
        "spec.podManagementPolicy",
        "spec.revisionHistoryLimit",
        "spec.serviceName",
        "spec.volumeClaimTemplates",
        *_k8s_selector("spec.selector"),
        lost_on_replace="its pods and volume claims are recreated",
    ),
    _k8s(CONFIG_MAP, "binaryData", "data"),
    _k8s(
        SECRET,
        "type",
        "stringData",
        "data",
        lost_on_replace="the secret's value must be provided again",
    ),
    _k8s(SERVICE, "spec.clusterIP"),
    _k8s(PERSISTENT_VOLUME_CLAIM, "spec", lost_on_replace="the volume's data may be released"),
    _k8s("kubernetes:core/v1:ResourceQuota", "spec.scopes"),
    _k8s(
        JOB,
        "spec.completions",
        "spec.parallelism",
        "spec.template",
        *_k8s_selector("spec.selector"),
    ),
    _k8s("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "roleRef"),
    _k8s("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "roleRef"),
    # The Argo Rollouts controller's RBAC (components/rollout_controller_workload.py): no per-kind
    # rule in diff.go. Its CRDs come from the release's manifests through a yaml/v2 ConfigGroup,
    # a component the provider expands; deleting it deletes the CRDs and every Rollout with them.
    _k8s("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"),
    _k8s("kubernetes:rbac.authorization.k8s.io/v1:Role"),
    _k8s(
        "kubernetes:yaml/v2:ConfigGroup",
        lost_on_replace="the CRDs it applies, and with them every Rollout and AnalysisTemplate",
    ),
    _k8s("kubernetes:storage.k8s.io/v1:StorageClass", "parameters", "provisioner"),
    _k8s(NAMESPACE, lost_on_replace="every object in the namespace is deleted with it"),
    _k8s(NETWORK_POLICY, security_control="network policy"),
    # No per-kind rule in diff.go: only a new name or namespace replaces these.
    _k8s(CRON_JOB),
    _k8s(SERVICE_ACCOUNT),
    _k8s(POD_DISRUPTION_BUDGET),
    _k8s(HORIZONTAL_POD_AUTOSCALER),
    _k8s(TARGET_GROUP_BINDING),
    # Argo Rollouts custom resources (docs/delivery.md): a custom resource has no per-kind
    # rule in diff.go. Deleting a Rollout returns the pods to its Deployment only if the
    # Deployment is scaled back up first (docs/runbooks/rollout.md).
    _k8s(ROLLOUT, lost_on_replace="its ReplicaSets and pods; the Deployment it took over is at 0"),
    _k8s(ANALYSIS_TEMPLATE),
    # Tenancy (docs/tenancy.md): a LimitRange has no per-kind rule in diff.go; the Secrets Store
    # CSI driver's SecretProviderClass is a custom resource.
    _k8s("kubernetes:core/v1:LimitRange"),
    _k8s("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass"),
)

_S3_CHILDREN: tuple[ResourceType, ...] = tuple(
    _aws(f"aws:s3/{token}", "s3/bucket*.go", *_S3_CHILD, taggable=False, security_control=control)
    for token, control in (
        ("bucketVersioning:BucketVersioning", "versioning"),
        (
            "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "default encryption",
        ),
        ("bucketPublicAccessBlock:BucketPublicAccessBlock", "public access block"),
        ("bucketPolicy:BucketPolicy", "bucket policy"),
        ("bucketOwnershipControls:BucketOwnershipControls", ""),
        ("bucketLifecycleConfiguration:BucketLifecycleConfiguration", ""),
        ("bucketObjectLockConfiguration:BucketObjectLockConfiguration", "object lock"),
        ("bucketReplicationConfig:BucketReplicationConfig", "cross-region replication"),
        ("bucketLogging:BucketLogging", ""),
        ("bucketNotification:BucketNotification", ""),
    )
)

_ELB = "elbv2/{}.go"

_AWS: tuple[ResourceType, ...] = (
    _aws(
        BUCKET,
        "s3/bucket.go",
        "bucket",
        "bucketPrefix",
        "objectLockEnabled",
        lost_on_replace="its objects (the backups) are not carried over",
    ),
    ResourceType(BUCKET_V2, taggable=True),
    _aws(
        KMS_KEY,
        "kms/key.go",
        "customerMasterKeySpec",
        "keyUsage",
        "multiRegion",
        "customKeyStoreId",
        "xksKeyId",
        lost_on_replace="data encrypted under it can no longer be decrypted once it is deleted",
    ),
    _aws(KMS_ALIAS, "kms/alias.go", "name", "namePrefix", taggable=False),
    _aws(
        LOG_GROUP,
        "logs/group.go",
        "name",
        "namePrefix",
        "logGroupClass",
        lost_on_replace="its log history is lost",
    ),
    _aws(METRIC_ALARM, "cloudwatch/metric_alarm.go", "name"),
    # Tenancy (components/tenant_secrets.py, tenant_observability.py).
    _aws(
        "aws:secretsmanager/secret:Secret",
        "secretsmanager/secret.go",
        "name",
        "namePrefix",
        lost_on_replace="its stored values (the old secret is only scheduled for deletion)",
    ),
    _aws("aws:budgets/budget:Budget", "budgets/budget.go", "accountId", "name", "namePrefix"),
    # The audit trail (issue 13, components/audit_trail.py and audit_athena.py).
    _aws(
        "aws:cloudtrail/trail:Trail",
        "cloudtrail/trail.go",
        "name",
        lost_on_replace="nothing is logged between the old trail's deletion and the new one",
        security_control="CloudTrail audit logging",
    ),
    _aws(
        "aws:cloudwatch/queryDefinition:QueryDefinition", "logs/query_definition.go", taggable=False
    ),
    _aws("aws:athena/workgroup:Workgroup", "athena/workgroup.go", "name"),
    _aws(
        "aws:glue/catalogDatabase:CatalogDatabase", "glue/catalog_database.go", "catalogId", "name"
    ),
    _aws(
        "aws:glue/catalogTable:CatalogTable",
        "glue/catalog_table.go",
        "catalogId",
        "databaseName",
        "name",
        taggable=False,
    ),
    _aws(COMPOSITE_ALARM, "cloudwatch/composite_alarm.go", "alarmName"),
    _aws(DASHBOARD, "cloudwatch/dashboard.go", "dashboardName", taggable=False),
    ResourceType("aws:cloudwatch/eventRule:EventRule", taggable=True),
    _aws(TOPIC, "sns/topic.go", "name", "namePrefix", "fifoTopic"),
    _aws(
        TOPIC_SUBSCRIPTION,
        "sns/topic_subscription.go",
        "topic",
        "protocol",
        "endpoint",
        taggable=False,
    ),
    _aws(IAM_ROLE, "iam/role.go", "name", "namePrefix", "path"),
    _aws(IAM_POLICY, "iam/policy.go", "name", "namePrefix", "path", "description"),
    _aws(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "iam/role_policy_attachment.go",
        "role",
        "policyArn",
        taggable=False,
    ),
    _aws(
        LOAD_BALANCER,
        _ELB.format("load_balancer"),
        "name",
        "namePrefix",
        "internal",
        "loadBalancerType",
        "customerOwnedIpv4Pool",
    ),
    _aws(
        TARGET_GROUP,
        _ELB.format("target_group"),
        "name",
        "namePrefix",
        "port",
        "protocol",
        "protocolVersion",
        "targetType",
        "vpcId",
        "ipAddressType",
    ),
    _aws(LISTENER, _ELB.format("listener"), "loadBalancerArn"),
    _aws(LISTENER_RULE, _ELB.format("listener_rule"), "listenerArn"),
    *(
        ResourceType(alias, taggable=True)
        for token in (LOAD_BALANCER, TARGET_GROUP, LISTENER, LISTENER_RULE)
        for alias in both_modules(token)[1:]
    ),
    _aws(SECURITY_GROUP, "ec2/vpc_security_group.go", "name", "namePrefix", "vpcId", "description"),
    ResourceType("aws:acm/certificate:Certificate", taggable=True),
    _aws(
        "aws:wafv2/webAcl:WebAcl",
        "wafv2/web_acl.go",
        "name",
        "scope",
        security_control="the web ACL (managed rule groups, per-IP rate rule) on the ALB",
    ),
    _aws(
        "aws:wafv2/webAclAssociation:WebAclAssociation",
        "wafv2/web_acl_association.go",
        "resourceArn",
        "webAclArn",
        taggable=False,
        security_control="the web ACL's association with the ALB",
    ),
    # Known to take tags (or not); no force-new rule recorded yet, so a change to one is
    # reported as "changed", never guessed to be a replacement.
    ResourceType("aws:cloudwatch/logMetricFilter:LogMetricFilter"),
    ResourceType("aws:eks/addon:Addon", taggable=True),
    ResourceType("aws:iam/rolePolicy:RolePolicy"),
    ResourceType("aws:sns/topicPolicy:TopicPolicy"),
    ResourceType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", taggable=True),
    ResourceType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", taggable=True),
)


def _by_token(types: Iterable[ResourceType]) -> dict[str, ResourceType]:
    table: dict[str, ResourceType] = {}
    for resource_type in types:
        if resource_type.token in table:
            raise ValueError(f"{resource_type.token} is listed twice in resource_types.py")
        table[resource_type.token] = resource_type
    return table


RESOURCE_TYPES: Final = _by_token((*_KUBERNETES, *_S3_CHILDREN, *_AWS))
"""Every type the project knows something about, by token."""


def knowledge_of(token: str) -> ResourceType:
    """The table's entry for ``token``; an empty entry (nothing known) for any other type."""
    return RESOURCE_TYPES.get(token) or ResourceType(token)


TAGGABLE_AWS_TYPES: Final = frozenset(t.token for t in RESOURCE_TYPES.values() if t.taggable)
"""AWS types that take tags, for when a program leaves ``tags`` out of the inputs entirely."""
