"""Baselines: backup storage, workloads and the load balancer are hardened the same way everywhere.

- ``backup-bucket-hardened`` (stack): a backup bucket and the separate S3 resources
  pulumi-aws v7 configures it with, correlated by the bucket they point at.
- ``workload-restricted``: pods run as the Kubernetes "restricted" profile asks, with
  probes, limits and gentle rollouts.
- ``workload-disruption-budget`` (stack): every Deployment is covered by a PodDisruptionBudget.
- ``lb-listener-tls``, ``lb-target-group-drain``, ``lb-hardened``: TLS 1.3, HTTP redirects,
  connection draining within the fleet's drain time, access logs, deletion protection.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

try:
    from . import resource_views as views
except ImportError:  # run by the Pulumi CLI: the pack directory itself is on sys.path
    import resource_views as views  # type: ignore[no-redef]

get, UNKNOWN, is_unknown = views.get, views.UNKNOWN, views.is_unknown

# --- backup-bucket-hardened -------------------------------------------------------------------

BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
VERSIONING_TYPES = (
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
)
ENCRYPTION_TYPES = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
PUBLIC_ACCESS_BLOCK_TYPES = ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",)
POLICY_TYPES = ("aws:s3/bucketPolicy:BucketPolicy",)
LIFECYCLE_TYPES = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
OBJECT_LOCK_TYPES = (
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
)
SIDE_TYPES = (
    *VERSIONING_TYPES,
    *ENCRYPTION_TYPES,
    *PUBLIC_ACCESS_BLOCK_TYPES,
    *POLICY_TYPES,
    *LIFECYCLE_TYPES,
    *OBJECT_LOCK_TYPES,
)
PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)

BACKUP_BUCKET_SCHEMA = PolicyConfigSchema(
    properties={
        "backupMarker": {
            "type": "string",
            "default": "backup",
            "description": (
                "A bucket is a backup bucket when its resource name, bucket name or prefix, or "
                "a tag value contains this text (case-insensitive)."
            ),
        },
        "kmsAlgorithms": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["aws:kms", "aws:kms:dsse"],
            "description": "Accepted default server-side encryption algorithms.",
        },
        "requireObjectLock": {
            "type": "boolean",
            "default": False,
            "description": "Require S3 Object Lock with a default retention (prod).",
        },
    }
)


@dataclass
class BucketFacts:
    """One backup bucket and the side resources that configure it."""

    bucket: PolicyResource
    side: dict[str, list[PolicyResource]] = field(default_factory=dict)

    def of(self, types: Iterable[str]) -> list[PolicyResource]:
        return [resource for kind in types for resource in self.side.get(kind, [])]


def _is_backup_bucket(resource: PolicyResource, marker: str) -> bool:
    marker = marker.lower()
    names = [resource.name, get(resource.props, "bucket"), get(resource.props, "bucketPrefix")]
    names += [value for _, value in views.entries(get(resource.props, "tags"))]
    return any(isinstance(name, str) and marker in name.lower() for name in names)


def _bucket_names(resource: PolicyResource) -> set[str]:
    names = {get(resource.props, key) for key in ("bucket", "id", "arn")}
    return {name for name in names if isinstance(name, str) and name and not is_unknown(name)}


def _targets(side: PolicyResource, bucket: PolicyResource) -> bool:
    """Does a side resource configure this bucket? By property dependency, value or dependency."""
    if any(dep.urn == bucket.urn for dep in side.property_dependencies.get("bucket", [])):
        return True
    value = get(side.props, "bucket")
    if isinstance(value, str) and not is_unknown(value):
        return value in _bucket_names(bucket)
    return is_unknown(value) and any(dep.urn == bucket.urn for dep in side.dependencies)


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _versioning_ok(facts: BucketFacts) -> bool | None:
    if _truthy(get(facts.bucket.props, "versioning", "enabled")):
        return True
    statuses = [
        get(r.props, "versioningConfiguration", "status") for r in facts.of(VERSIONING_TYPES)
    ]
    if "Enabled" in statuses:
        return True
    return None if any(is_unknown(s) for s in statuses) else False


def _encryption_ok(facts: BucketFacts, algorithms: list[str]) -> bool | None:
    found = [
        get(
            facts.bucket.props,
            "serverSideEncryptionConfiguration",
            "rule",
            "applyServerSideEncryptionByDefault",
            "sseAlgorithm",
        )
    ]
    for resource in facts.of(ENCRYPTION_TYPES):
        rules = get(resource.props, "rules")
        if is_unknown(rules):
            found.append(UNKNOWN)
        for rule in views.items(rules):
            found.append(get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"))
    if any(isinstance(a, str) and a in algorithms for a in found):
        return True
    return None if any(is_unknown(a) for a in found) else False


def _public_access_ok(facts: BucketFacts) -> tuple[bool | None, list[str]]:
    blocks = facts.of(PUBLIC_ACCESS_BLOCK_TYPES)
    if not blocks:
        return False, list(PUBLIC_ACCESS_FLAGS)
    for block in blocks:
        values = {flag: get(block.props, flag) for flag in PUBLIC_ACCESS_FLAGS}
        if all(value is True for value in values.values()):
            return True, []
        if any(is_unknown(value) for value in values.values()):
            return None, []
    last = {flag: get(blocks[-1].props, flag) for flag in PUBLIC_ACCESS_FLAGS}
    return False, [flag for flag, value in last.items() if value is not True]


def _denies_insecure_transport(policy: Any) -> bool | None:
    if is_unknown(policy):
        return None
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return False
    statements = get(policy, "Statement", default=[])
    statements = [statements] if isinstance(statements, Mapping) else list(views.items(statements))
    for statement in statements:
        if get(statement, "Effect") != "Deny":
            continue
        condition = get(statement, "Condition", "Bool", "aws:SecureTransport")
        values = list(views.items(condition)) if isinstance(condition, list) else [condition]
        if any(
            value is False or (isinstance(value, str) and value.lower() == "false")
            for value in values
        ):
            return True
    return False


def _policy_ok(facts: BucketFacts) -> bool | None:
    results = [_denies_insecure_transport(get(r.props, "policy")) for r in facts.of(POLICY_TYPES)]
    inline = get(facts.bucket.props, "policy")
    if inline is not None:
        results.append(_denies_insecure_transport(inline))
    if True in results:
        return True
    return None if None in results else False


def _lifecycle_ok(facts: BucketFacts) -> tuple[bool | None, bool | None]:
    """(has an expiration, aborts incomplete multipart uploads)."""
    expires: list[bool | None] = []
    aborts: list[bool | None] = []
    for resource in facts.of(LIFECYCLE_TYPES):
        rules = get(resource.props, "rules")
        if is_unknown(rules):
            expires.append(None)
            aborts.append(None)
        for rule in views.items(rules):
            status = get(rule, "status")
            if is_unknown(status):
                expires.append(None)
                aborts.append(None)
                continue
            if status != "Enabled":
                continue
            expiration = get(rule, "expiration")
            expires.append(
                None
                if is_unknown(expiration)
                else bool(get(expiration, "days") or get(expiration, "date"))
            )
            abort = get(rule, "abortIncompleteMultipartUpload", "daysAfterInitiation")
            aborts.append(None if is_unknown(abort) else bool(abort))
    for rule in views.items(get(facts.bucket.props, "lifecycleRules")):
        if _truthy(get(rule, "enabled")):
            expires.append(bool(get(rule, "expiration", "days") or get(rule, "expiration", "date")))
            aborts.append(bool(get(rule, "abortIncompleteMultipartUploadDays")))

    def verdict(found: list[bool | None]) -> bool | None:
        return True if True in found else (None if None in found else False)

    return verdict(expires), verdict(aborts)


def _object_lock_ok(facts: BucketFacts) -> bool | None:
    props = facts.bucket.props
    enabled = get(props, "objectLockEnabled")
    inline = get(props, "objectLockConfiguration")
    if is_unknown(enabled) or is_unknown(inline):
        return None
    bucket_locked = _truthy(enabled) or get(inline, "objectLockEnabled") == "Enabled"
    retention = [get(inline, "rule", "defaultRetention")]
    retention += [get(r.props, "rule", "defaultRetention") for r in facts.of(OBJECT_LOCK_TYPES)]
    if any(is_unknown(item) for item in retention):
        return None
    has_retention = any(
        isinstance(item, Mapping) and (get(item, "days") or get(item, "years"))
        for item in retention
    )
    return bucket_locked and has_retention


def _check_backup_buckets(args: StackValidationArgs, report: ReportViolation) -> None:
    config = views.config_with_defaults(args, BACKUP_BUCKET_SCHEMA)
    marker = str(config.get("backupMarker") or "backup")
    algorithms = [str(item) for item in config.get("kmsAlgorithms") or []]
    resources = list(args.resources)
    buckets = [
        BucketFacts(resource)
        for resource in resources
        if resource.resource_type in BUCKET_TYPES and _is_backup_bucket(resource, marker)
    ]
    for resource in resources:
        if resource.resource_type not in SIDE_TYPES:
            continue
        for facts in buckets:
            if _targets(resource, facts.bucket):
                facts.side.setdefault(resource.resource_type, []).append(resource)

    for facts in buckets:
        name = facts.bucket.name

        def fail(message: str, facts: BucketFacts = facts, name: str = name) -> None:
            report(f"backup bucket {name!r}: {message}", facts.bucket.urn)

        if _versioning_ok(facts) is False:
            fail("versioning is not Enabled (add a BucketVersioning with status Enabled)")
        if _encryption_ok(facts, algorithms) is False:
            fail(
                f"default encryption is not {' or '.join(algorithms)} (add a "
                "BucketServerSideEncryptionConfiguration with a KMS key)"
            )
        public_ok, open_flags = _public_access_ok(facts)
        if public_ok is False:
            fail(f"public access is not fully blocked: {', '.join(open_flags)} must be true")
        if _policy_ok(facts) is False:
            fail(
                "no bucket policy denies requests without TLS (Deny when aws:SecureTransport is false)"
            )
        expires, aborts = _lifecycle_ok(facts)
        if expires is False:
            fail("no enabled lifecycle rule expires old backups")
        if aborts is False:
            fail("no enabled lifecycle rule aborts incomplete multipart uploads")
        if config.get("requireObjectLock") and _object_lock_ok(facts) is False:
            fail(
                "Object Lock is required here: create the bucket with objectLockEnabled and "
                "a BucketObjectLockConfiguration with a default retention"
            )


backup_bucket_hardened = StackValidationPolicy(
    name="backup-bucket-hardened",
    description=(
        "Backup buckets are versioned, KMS-encrypted, fully blocked from public access, refuse "
        "plain HTTP, expire old backups, abort stale multipart uploads, and are locked where "
        "the stage requires it."
    ),
    validate=_check_backup_buckets,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=BACKUP_BUCKET_SCHEMA,
    severity=Severity.HIGH,
)


# --- workload-restricted ----------------------------------------------------------------------

RESTRICTED_TYPES = (
    views.DEPLOYMENT,
    views.STATEFUL_SET,
    views.DAEMON_SET,
    views.JOB,
    views.CRON_JOB,
)
LONG_RUNNING = (views.DEPLOYMENT, views.STATEFUL_SET, views.DAEMON_SET)
SECCOMP_PROFILES = ("RuntimeDefault", "Localhost")

RESTRICTED_SCHEMA = PolicyConfigSchema(
    properties={
        "requiredLimits": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["cpu", "memory"],
            "description": "Resource limits every container must set.",
        },
        "requiredProbes": {
            "type": "array",
            "items": {"type": "string"},
            "default": ["readinessProbe", "livenessProbe"],
            "description": "Probes every long-running container must define.",
        },
        "maxRolloutPercent": {
            "type": "number",
            "default": 25,
            "description": "Largest rollingUpdate maxUnavailable / maxSurge, percent of replicas.",
        },
    }
)


def _container_problems(
    container: views.Container, pod_context: Any, long_running: bool, config: Mapping[str, Any]
) -> list[str]:
    spec = container.spec
    context = get(spec, "securityContext")
    problems: list[str] = []

    def setting(key: str) -> Any:
        own = get(context, key)
        return own if own is not None else get(pod_context, key)

    checks: list[tuple[str, Callable[[Any], bool], str]] = [
        ("runAsNonRoot", lambda v: v is True, "runAsNonRoot is not true"),
        ("readOnlyRootFilesystem", lambda v: v is True, "readOnlyRootFilesystem is not true"),
        ("allowPrivilegeEscalation", lambda v: v is False, "allowPrivilegeEscalation is not false"),
        ("privileged", lambda v: v is not True, "runs privileged"),
    ]
    for key, ok, message in checks:
        value = setting(key) if key == "runAsNonRoot" else get(context, key)
        if not is_unknown(value) and not ok(value):
            problems.append(message)
    drop = get(context, "capabilities", "drop")
    if not is_unknown(drop) and "ALL" not in [str(item) for item in views.items(drop)]:
        problems.append("capabilities.drop does not include ALL")
    seccomp = setting("seccompProfile")
    seccomp_type = get(seccomp, "type")
    if not is_unknown(seccomp_type) and seccomp_type not in SECCOMP_PROFILES:
        problems.append("seccompProfile.type is not RuntimeDefault")
    limits = get(spec, "resources", "limits")
    if not is_unknown(limits):
        missing = [
            name for name in config.get("requiredLimits") or [] if get(limits, str(name)) is None
        ]
        if missing:
            problems.append(f"no {'/'.join(map(str, missing))} limit")
    if long_running and container.kind == "containers":
        missing_probes = [
            str(probe)
            for probe in config.get("requiredProbes") or []
            if get(spec, str(probe)) is None
        ]
        if missing_probes:
            problems.append(f"no {', '.join(missing_probes)}")
    return problems


def _check_restricted(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in RESTRICTED_TYPES:
        return
    config = views.config_with_defaults(args, RESTRICTED_SCHEMA)
    pod_spec = views.pod_spec_of(args.resource_type, args.props)
    if is_unknown(pod_spec):
        return
    if pod_spec is None:
        report("the workload has no pod template", None)
        return
    pod_context = get(pod_spec, "securityContext")
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if get(pod_spec, key) is True:
            report(f"the pod uses {key}", None)
    long_running = args.resource_type in LONG_RUNNING
    for container in views.containers_of(pod_spec):
        if container.kind == "ephemeralContainers":
            continue
        problems = _container_problems(container, pod_context, long_running, config)
        if problems:
            report(f"{container.label}: {'; '.join(problems)}", None)

    if args.resource_type == views.DEPLOYMENT:
        _check_rollout(args.props, config, report)


def _check_rollout(props: Any, config: Mapping[str, Any], report: ReportViolation) -> None:
    strategy = get(props, "spec", "strategy")
    kind = get(strategy, "type")
    if kind == "Recreate":
        report("strategy Recreate stops every pod at once; use RollingUpdate", None)
        return
    limit = views.as_number(config.get("maxRolloutPercent"))
    replicas = views.as_number(get(props, "spec", "replicas"))
    for key in ("maxUnavailable", "maxSurge"):
        value = get(strategy, "rollingUpdate", key)
        if value is None or is_unknown(value):
            continue  # Kubernetes defaults both to 25 %
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # the engine sends every number as a double
        percent = views.percent_of(value, replicas)
        if percent is None and not isinstance(value, str) and value not in (0, 1):
            report(
                f"rollingUpdate.{key}={value!r} can't be judged without spec.replicas; give "
                "it as a percentage",
                None,
            )
        elif percent is not None and limit is not None and percent > limit and value != 1:
            report(
                f"rollingUpdate.{key}={value!r} replaces more than {limit:g}% of pods at once", None
            )


workload_restricted = ResourceValidationPolicy(
    name="workload-restricted",
    description=(
        "Workloads run restricted: non-root, read-only root filesystem, no privilege "
        "escalation, all capabilities dropped, RuntimeDefault seccomp, probes and limits set, "
        "and rollouts replace at most 25 % of pods at once."
    ),
    validate=_check_restricted,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=RESTRICTED_SCHEMA,
    severity=Severity.HIGH,
)


# --- workload-disruption-budget ---------------------------------------------------------------

DISRUPTION_SCHEMA = PolicyConfigSchema(properties={})


def _selects(pdb: PolicyResource, namespace: Any, pod_labels: Mapping[str, Any]) -> bool:
    pdb_namespace = views.namespace_of(pdb.props)
    if not is_unknown(namespace) and not is_unknown(pdb_namespace) and namespace != pdb_namespace:
        return False
    selector = get(pdb.props, "spec", "selector", "matchLabels")
    if is_unknown(selector):
        return True
    wanted = views.string_map(selector)
    if not wanted:
        return False
    return all(
        is_unknown(value) or is_unknown(pod_labels.get(key)) or pod_labels.get(key) == value
        for key, value in wanted.items()
    )


def _check_disruption_budgets(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = list(args.resources)
    budgets = [r for r in resources if r.resource_type == views.POD_DISRUPTION_BUDGET]
    for deployment in resources:
        if deployment.resource_type != views.DEPLOYMENT:
            continue
        namespace = views.namespace_of(deployment.props)
        pod_labels = views.pod_labels_of(deployment.resource_type, deployment.props)
        covering = [pdb for pdb in budgets if _selects(pdb, namespace, pod_labels)]
        if not covering:
            report(
                f"Deployment {views.name_of(deployment.props, deployment.name)!r} has no "
                "PodDisruptionBudget selecting its pods: node drains could stop them all",
                deployment.urn,
            )
            continue
        for pdb in covering:
            spec = get(pdb.props, "spec")
            if is_unknown(spec):
                continue
            if get(spec, "minAvailable") is None and get(spec, "maxUnavailable") is None:
                report(
                    f"PodDisruptionBudget {views.name_of(pdb.props, pdb.name)!r} sets neither "
                    "minAvailable nor maxUnavailable",
                    pdb.urn,
                )


workload_disruption_budget = StackValidationPolicy(
    name="workload-disruption-budget",
    description="Every Deployment's pods are covered by a PodDisruptionBudget in its namespace.",
    validate=_check_disruption_budgets,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=DISRUPTION_SCHEMA,
    severity=Severity.MEDIUM,
)


# --- load balancer ----------------------------------------------------------------------------

LISTENER_TYPES = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
TARGET_GROUP_TYPES = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
LOAD_BALANCER_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")

LISTENER_SCHEMA = PolicyConfigSchema(
    properties={
        "sslPolicyPrefix": {
            "type": "string",
            "default": "ELBSecurityPolicy-TLS13-",
            "description": "HTTPS listeners use an ELB security policy starting with this.",
        },
    }
)


def _check_listener(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in LISTENER_TYPES:
        return
    config = views.config_with_defaults(args, LISTENER_SCHEMA)
    protocol = get(args.props, "protocol")
    if is_unknown(protocol):
        return
    protocol = str(protocol or "HTTP").upper()
    if protocol in ("HTTPS", "TLS"):
        prefix = str(config.get("sslPolicyPrefix"))
        policy = get(args.props, "sslPolicy")
        if policy is None:
            report(
                f"{protocol} listener sets no ssl policy (AWS's default allows TLS 1.0); use a {prefix}* policy",
                None,
            )
        elif not is_unknown(policy) and not (isinstance(policy, str) and policy.startswith(prefix)):
            report(
                f"{protocol} listener uses ssl policy {policy!r}; use a {prefix}* (TLS 1.3) policy",
                None,
            )
    elif protocol == "HTTP":
        actions = get(args.props, "defaultActions")
        if is_unknown(actions):
            return
        listed = list(views.items(actions))
        redirects = [
            action
            for action in listed
            if is_unknown(action)
            or (
                get(action, "type") == "redirect"
                and str(get(action, "redirect", "protocol", default="")).upper() == "HTTPS"
            )
        ]
        if not listed or len(redirects) != len(listed):
            report("the HTTP listener must only redirect to HTTPS (defaultActions: redirect)", None)


lb_listener_tls = ResourceValidationPolicy(
    name="lb-listener-tls",
    description="HTTPS listeners use a TLS 1.3 security policy; HTTP listeners only redirect to HTTPS.",
    validate=_check_listener,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=LISTENER_SCHEMA,
    severity=Severity.HIGH,
)

TARGET_GROUP_SCHEMA = PolicyConfigSchema(
    properties={
        "maxDrainSeconds": {
            "type": "integer",
            "minimum": 0,
            "default": 30,
            "description": "Largest deregistration delay: the fleet's connection drain time.",
        },
    }
)


def _check_target_group(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in TARGET_GROUP_TYPES:
        return
    config = views.config_with_defaults(args, TARGET_GROUP_SCHEMA)
    delay = get(args.props, "deregistrationDelay")
    if is_unknown(delay):
        return
    limit = views.as_number(config.get("maxDrainSeconds")) or 0
    seconds = views.as_number(delay)
    if seconds is None:
        report(
            f"deregistrationDelay is not set (AWS then waits 300 s); set it to at most {limit:g} s",
            None,
        )
    elif seconds > limit:
        report(
            f"deregistrationDelay is {seconds:g} s; the fleet drains in at most {limit:g} s", None
        )


lb_target_group_drain = ResourceValidationPolicy(
    name="lb-target-group-drain",
    description="Target groups deregister targets within the fleet's drain time.",
    validate=_check_target_group,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=TARGET_GROUP_SCHEMA,
    severity=Severity.MEDIUM,
)

LOAD_BALANCER_SCHEMA = PolicyConfigSchema(
    properties={
        "requireDeletionProtection": {
            "type": "boolean",
            "default": True,
            "description": "Require enableDeletionProtection (staging, prod).",
        },
    }
)


def _check_load_balancer(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in LOAD_BALANCER_TYPES:
        return
    config = views.config_with_defaults(args, LOAD_BALANCER_SCHEMA)
    logs = get(args.props, "accessLogs")
    if not is_unknown(logs):
        enabled, bucket = get(logs, "enabled"), get(logs, "bucket")
        if not is_unknown(enabled) and (enabled is not True or (bucket is None)):
            report("access logs are not enabled (accessLogs.enabled with a bucket)", None)
    protection = get(args.props, "enableDeletionProtection")
    if (
        config.get("requireDeletionProtection")
        and not is_unknown(protection)
        and protection is not True
    ):
        report("deletion protection is off (enableDeletionProtection: true)", None)


lb_hardened = ResourceValidationPolicy(
    name="lb-hardened",
    description="Load balancers write access logs and, where the stage requires, refuse deletion.",
    validate=_check_load_balancer,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=LOAD_BALANCER_SCHEMA,
    severity=Severity.MEDIUM,
)


POLICIES = [
    backup_bucket_hardened,
    workload_restricted,
    workload_disruption_budget,
    lb_listener_tls,
    lb_target_group_drain,
    lb_hardened,
]
