"""workload-restricted: one workload at a time, each relaxed setting named."""

from __future__ import annotations

from typing import Any

import pytest

from policy.rules.workload_restricted import workload_restricted
from tests.policy.harness import (
    UNKNOWN,
    container,
    deployment,
    resource_args,
    violations,
)

DEPLOYMENT = "kubernetes:apps/v1:Deployment"


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
