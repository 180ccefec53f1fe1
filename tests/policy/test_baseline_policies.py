"""Baselines: backup buckets, restricted workloads, disruption budgets, the load balancer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pulumi_policy import PolicyResource

from policy.baseline_policies import (
    backup_bucket_hardened,
    lb_hardened,
    lb_listener_tls,
    lb_target_group_drain,
    workload_disruption_budget,
    workload_restricted,
)
from tests.policy.harness import (
    UNKNOWN,
    container,
    deployment,
    resource,
    resource_args,
    stack_args,
    violations,
)

S3 = "aws:s3/"
BUCKET = "aws:s3/bucket:Bucket"
NAME = "mcp-fleet-prod-backups-1234"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"

TLS_ONLY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{NAME}", f"arn:aws:s3:::{NAME}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
)


def side_resources(bucket: str = NAME) -> dict[str, tuple[str, dict[str, Any]]]:
    """The hardened configuration of a backup bucket, by short name: (type, inputs)."""
    return {
        "versioning": (
            S3 + "bucketVersioning:BucketVersioning",
            {"bucket": bucket, "versioningConfiguration": {"status": "Enabled"}},
        ),
        "encryption": (
            S3 + "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            {
                "bucket": bucket,
                "rules": [
                    {
                        "applyServerSideEncryptionByDefault": {
                            "sseAlgorithm": "aws:kms",
                            "kmsMasterKeyId": "arn:aws:kms:eu-west-1:1:key/x",
                        },
                        "bucketKeyEnabled": True,
                    }
                ],
            },
        ),
        "public-access": (
            S3 + "bucketPublicAccessBlock:BucketPublicAccessBlock",
            {
                "bucket": bucket,
                "blockPublicAcls": True,
                "blockPublicPolicy": True,
                "ignorePublicAcls": True,
                "restrictPublicBuckets": True,
            },
        ),
        "policy": (S3 + "bucketPolicy:BucketPolicy", {"bucket": bucket, "policy": TLS_ONLY}),
        "lifecycle": (
            S3 + "bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            {
                "bucket": bucket,
                "rules": [
                    {"id": "expire", "status": "Enabled", "filter": {}, "expiration": {"days": 30}},
                    {
                        "id": "abort",
                        "status": "Enabled",
                        "filter": {},
                        "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1},
                    },
                ],
            },
        ),
        "object-lock": (
            S3 + "bucketObjectLockConfiguration:BucketObjectLockConfiguration",
            {
                "bucket": bucket,
                "objectLockEnabled": "Enabled",
                "rule": {"defaultRetention": {"mode": "GOVERNANCE", "days": 30}},
            },
        ),
    }


def backup_stack(
    *,
    drop: tuple[str, ...] = (),
    change: dict[str, dict[str, Any]] | None = None,
    bucket_inputs: dict[str, Any] | None = None,
    by_dependency: bool = False,
) -> list[PolicyResource]:
    bucket = resource(
        BUCKET,
        {"bucket": NAME, "objectLockEnabled": True, **(bucket_inputs or {})},
        name="backups-primary",
    )
    found = [bucket]
    for short, (kind, inputs) in side_resources().items():
        if short in drop:
            continue
        inputs = {**inputs, **(change or {}).get(short, {})}
        if by_dependency:  # as in a preview of an auto-named bucket: the name isn't known yet
            inputs["bucket"] = UNKNOWN
            found.append(
                resource(
                    kind,
                    inputs,
                    name=f"backups-{short}",
                    property_dependencies={"bucket": [bucket]},
                )
            )
        else:
            found.append(resource(kind, inputs, name=f"backups-{short}"))
    return found


LOCKED = {"requireObjectLock": True}


def test_a_hardened_backup_bucket_passes() -> None:
    assert violations(backup_bucket_hardened, stack_args(backup_stack(), LOCKED)) == []


def test_side_resources_are_matched_by_property_dependency_when_the_name_is_unknown() -> None:
    assert (
        violations(backup_bucket_hardened, stack_args(backup_stack(by_dependency=True), LOCKED))
        == []
    )


@pytest.mark.parametrize(
    ("drop", "change", "expected"),
    [
        (("versioning",), None, "versioning is not Enabled"),
        (
            (),
            {"versioning": {"versioningConfiguration": {"status": "Suspended"}}},
            "versioning is not Enabled",
        ),
        (
            (),
            {
                "encryption": {
                    "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
                }
            },
            "default encryption is not aws:kms or aws:kms:dsse",
        ),
        (
            (),
            {"public-access": {"restrictPublicBuckets": False}},
            "public access is not fully blocked: restrictPublicBuckets must be true",
        ),
        (
            ("public-access",),
            None,
            "public access is not fully blocked: blockPublicAcls, blockPublicPolicy",
        ),
        (
            (),
            {
                "policy": {
                    "policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*"}]})
                }
            },
            "no bucket policy denies requests without TLS",
        ),
        (
            (),
            {
                "lifecycle": {
                    "rules": [
                        {
                            "id": "abort",
                            "status": "Enabled",
                            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1},
                        }
                    ]
                }
            },
            "no enabled lifecycle rule expires old backups",
        ),
        (
            (),
            {
                "lifecycle": {
                    "rules": [{"id": "e", "status": "Enabled", "expiration": {"days": 30}}]
                }
            },
            "no enabled lifecycle rule aborts incomplete multipart uploads",
        ),
        (("object-lock",), None, "Object Lock is required here"),
    ],
)
def test_each_missing_hardening_is_named(
    drop: tuple[str, ...], change: dict[str, Any] | None, expected: str
) -> None:
    found = violations(
        backup_bucket_hardened, stack_args(backup_stack(drop=drop, change=change), LOCKED)
    )
    assert len(found) == 1 and found[0].startswith("backup bucket 'backups-primary': ")
    assert expected in found[0]


def test_object_lock_is_only_required_where_configured() -> None:
    resources = backup_stack(drop=("object-lock",), bucket_inputs={"objectLockEnabled": False})
    assert (
        violations(backup_bucket_hardened, stack_args(resources, {"requireObjectLock": False}))
        == []
    )
    [message] = violations(backup_bucket_hardened, stack_args(resources, LOCKED))
    assert "objectLockEnabled" in message


def test_buckets_that_are_not_backups_are_not_judged_here() -> None:
    logs = resource(BUCKET, {"bucketPrefix": "mcp-fleet-prod-alb-logs-"}, name="access-logs")
    assert violations(backup_bucket_hardened, stack_args([logs], LOCKED)) == []


def test_unknown_side_resource_values_are_not_violations() -> None:
    change = {
        "versioning": {"versioningConfiguration": UNKNOWN},
        "policy": {"policy": UNKNOWN},
        "lifecycle": {"rules": UNKNOWN},
        "encryption": {"rules": UNKNOWN},
    }
    assert violations(backup_bucket_hardened, stack_args(backup_stack(change=change), LOCKED)) == []


# --- workload-restricted ----------------------------------------------------------------------


def check_workload(props: dict[str, Any], kind: str = DEPLOYMENT) -> list[str]:
    return violations(workload_restricted, resource_args(kind, props))


def test_a_restricted_deployment_passes() -> None:
    assert check_workload(deployment()) == []


def test_each_relaxed_setting_is_named() -> None:
    props = deployment()
    spec = props["spec"]["template"]["spec"]
    spec["securityContext"] = {}
    server = spec["containers"][0]
    server["securityContext"] = {
        "readOnlyRootFilesystem": False,
        "allowPrivilegeEscalation": True,
        "capabilities": {"drop": ["NET_RAW"]},
        "privileged": True,
    }
    del server["resources"]["limits"]["cpu"]
    del server["livenessProbe"]
    [message] = check_workload(props)
    assert message == (
        "container 'server': runAsNonRoot is not true; readOnlyRootFilesystem is not true; "
        "allowPrivilegeEscalation is not false; runs privileged; capabilities.drop does not "
        "include ALL; seccompProfile.type is not RuntimeDefault; no cpu limit; no livenessProbe"
    )


def test_pod_level_run_as_non_root_and_seccomp_count_for_every_container() -> None:
    props = deployment()
    assert props["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    del props["spec"]["template"]["spec"]["containers"][0]["securityContext"]["runAsNonRoot"]
    assert check_workload(props) == []


def test_host_namespaces_are_refused() -> None:
    props = deployment()
    props["spec"]["template"]["spec"]["hostNetwork"] = True
    assert check_workload(props) == ["the pod uses hostNetwork"]


@pytest.mark.parametrize(
    ("strategy", "replicas", "expected"),
    [
        (
            {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
            },
            4,
            [],
        ),
        ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}}, 2, []),
        ({"type": "RollingUpdate"}, None, []),
        (
            {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": "50%", "maxSurge": "25%"},
            },
            4,
            ["rollingUpdate.maxUnavailable='50%' replaces more than 25% of pods at once"],
        ),
        (
            {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 3}},
            4,
            ["rollingUpdate.maxSurge=3 replaces more than 25% of pods at once"],
        ),
        (
            {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3}},
            None,
            [
                "rollingUpdate.maxSurge=3 can't be judged without spec.replicas; give it as a percentage"
            ],
        ),
        ({"type": "Recreate"}, 4, ["strategy Recreate stops every pod at once; use RollingUpdate"]),
    ],
)
def test_rollouts_replace_at_most_a_quarter(
    strategy: dict[str, Any], replicas: int | None, expected: list[str]
) -> None:
    assert check_workload(deployment(strategy=strategy, replicas=replicas)) == expected


def test_jobs_need_the_security_settings_but_no_probes() -> None:
    job_container = container("ghcr.io/acme/ops@sha256:" + "1" * 64, "backup")
    del job_container["readinessProbe"], job_container["livenessProbe"]
    pod = {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [job_container],
        "restartPolicy": "Never",
    }
    cron = {
        "metadata": {"name": "backup"},
        "spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": {"spec": pod}}}},
    }
    assert check_workload(cron, "kubernetes:batch/v1:CronJob") == []
    job_container["securityContext"]["readOnlyRootFilesystem"] = False
    assert check_workload(cron, "kubernetes:batch/v1:CronJob") == [
        "container 'backup': readOnlyRootFilesystem is not true"
    ]


def test_unknown_security_contexts_are_skipped() -> None:
    props = deployment()
    props["spec"]["template"]["spec"]["containers"][0]["securityContext"] = UNKNOWN
    assert check_workload(props) == []
    props["spec"]["template"]["spec"] = UNKNOWN
    assert check_workload(props) == []


# --- workload-disruption-budget ---------------------------------------------------------------


def budget(namespace: str = "mcp-storefront", selector: Any = None, **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "github", "namespace": namespace},
        "spec": {
            "selector": {
                "matchLabels": selector
                or {"app.kubernetes.io/name": "github", "mcp-fleet.io/server": "github"}
            },
            **(spec or {"maxUnavailable": "25%"}),
        },
    }


def test_a_deployment_covered_by_a_pdb_passes() -> None:
    resources = [
        resource(DEPLOYMENT, deployment(), name="github"),
        resource(PDB, budget(), name="github-pdb"),
    ]
    assert violations(workload_disruption_budget, stack_args(resources)) == []


@pytest.mark.parametrize(
    "pdb",
    [
        None,
        budget(namespace="mcp-research"),
        budget(selector={"app.kubernetes.io/name": "jira"}),
    ],
)
def test_a_deployment_without_a_matching_pdb_fails(pdb: dict[str, Any] | None) -> None:
    resources = [resource(DEPLOYMENT, deployment(), name="github")]
    if pdb is not None:
        resources.append(resource(PDB, pdb, name="github-pdb"))
    [message] = violations(workload_disruption_budget, stack_args(resources))
    assert message.startswith("Deployment 'github' has no PodDisruptionBudget selecting its pods")


def test_a_pdb_must_limit_something() -> None:
    empty = budget()
    empty["spec"] = {"selector": empty["spec"]["selector"]}
    resources = [
        resource(DEPLOYMENT, deployment(), name="github"),
        resource(PDB, empty, name="github-pdb"),
    ]
    assert violations(workload_disruption_budget, stack_args(resources)) == [
        "PodDisruptionBudget 'github' sets neither minAvailable nor maxUnavailable"
    ]


# --- load balancer ----------------------------------------------------------------------------

LISTENER = "aws:lb/listener:Listener"


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        (
            {"protocol": "HTTPS", "port": 443, "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"},
            [],
        ),
        (
            {"protocol": "HTTPS", "port": 443, "sslPolicy": "ELBSecurityPolicy-2016-08"},
            [
                "HTTPS listener uses ssl policy 'ELBSecurityPolicy-2016-08'; use a ELBSecurityPolicy-TLS13-* (TLS 1.3) policy"
            ],
        ),
        (
            {"protocol": "HTTPS", "port": 443},
            [
                "HTTPS listener sets no ssl policy (AWS's default allows TLS 1.0); use a ELBSecurityPolicy-TLS13-* policy"
            ],
        ),
        (
            {
                "protocol": "HTTP",
                "port": 80,
                "defaultActions": [
                    {
                        "type": "redirect",
                        "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
                    }
                ],
            },
            [],
        ),
        (
            {
                "protocol": "HTTP",
                "port": 80,
                "defaultActions": [{"type": "forward", "targetGroupArn": "arn"}],
            },
            ["the HTTP listener must only redirect to HTTPS (defaultActions: redirect)"],
        ),
        ({"protocol": UNKNOWN}, []),
    ],
)
def test_listeners(props: dict[str, Any], expected: list[str]) -> None:
    assert violations(lb_listener_tls, resource_args(LISTENER, props)) == expected


@pytest.mark.parametrize(
    ("delay", "expected"),
    [
        (30, []),
        (10, []),
        (300, ["deregistrationDelay is 300 s; the fleet drains in at most 30 s"]),
        (None, ["deregistrationDelay is not set (AWS then waits 300 s); set it to at most 30 s"]),
        (UNKNOWN, []),
    ],
)
def test_target_groups_drain_within_the_fleets_drain_time(delay: Any, expected: list[str]) -> None:
    props: dict[str, Any] = {"port": 8080, "protocol": "HTTP", "targetType": "ip"}
    if delay is not None:
        props["deregistrationDelay"] = delay
    config = {"maxDrainSeconds": 30}
    assert (
        violations(
            lb_target_group_drain, resource_args("aws:lb/targetGroup:TargetGroup", props, config)
        )
        == expected
    )


def test_load_balancers_log_access_and_are_protected_where_required() -> None:
    good = {"accessLogs": {"bucket": "logs", "enabled": True}, "enableDeletionProtection": True}
    assert violations(lb_hardened, resource_args("aws:lb/loadBalancer:LoadBalancer", good)) == []
    bare: dict[str, Any] = {"loadBalancerType": "application"}
    assert violations(lb_hardened, resource_args("aws:lb/loadBalancer:LoadBalancer", bare)) == [
        "access logs are not enabled (accessLogs.enabled with a bucket)",
        "deletion protection is off (enableDeletionProtection: true)",
    ]
    dev = {"requireDeletionProtection": False}
    logs_only = {"accessLogs": {"bucket": "logs", "enabled": True}}
    assert (
        violations(lb_hardened, resource_args("aws:lb/loadBalancer:LoadBalancer", logs_only, dev))
        == []
    )
