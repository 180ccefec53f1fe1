"""``workload-restricted``: pods run as the Kubernetes "restricted" profile asks.

Non-root, read-only root filesystem, no privilege escalation, all capabilities dropped,
RuntimeDefault seccomp, probes and limits set, and gentle rollouts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
)

from .. import kubernetes_views as k8s
from .. import resource_types as types
from ..reads import as_number, get, is_unknown, items, percent_of
from ..rule_config import config_with_defaults

RESTRICTED_TYPES = (*types.POD_TEMPLATE_WORKLOADS, types.CRON_JOB)
LONG_RUNNING = (types.DEPLOYMENT, types.STATEFUL_SET, types.DAEMON_SET)
SECCOMP_PROFILES = ("RuntimeDefault", "Localhost")

SCHEMA = PolicyConfigSchema(
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

_CONTEXT_CHECKS: list[tuple[str, Callable[[Any], bool], str]] = [
    ("runAsNonRoot", lambda v: v is True, "runAsNonRoot is not true"),
    ("readOnlyRootFilesystem", lambda v: v is True, "readOnlyRootFilesystem is not true"),
    ("allowPrivilegeEscalation", lambda v: v is False, "allowPrivilegeEscalation is not false"),
    ("privileged", lambda v: v is not True, "runs privileged"),
]


def _security_problems(context: Any, pod_context: Any) -> list[str]:
    def setting(key: str) -> Any:
        own = get(context, key)
        return own if own is not None else get(pod_context, key)

    problems = []
    for key, ok, message in _CONTEXT_CHECKS:
        value = setting(key) if key == "runAsNonRoot" else get(context, key)
        if not is_unknown(value) and not ok(value):
            problems.append(message)
    drop = get(context, "capabilities", "drop")
    if not is_unknown(drop) and "ALL" not in [str(item) for item in items(drop)]:
        problems.append("capabilities.drop does not include ALL")
    seccomp_type = get(setting("seccompProfile"), "type")
    if not is_unknown(seccomp_type) and seccomp_type not in SECCOMP_PROFILES:
        problems.append("seccompProfile.type is not RuntimeDefault")
    return problems


def _container_problems(
    container: k8s.Container, pod_context: Any, long_running: bool, config: Mapping[str, Any]
) -> list[str]:
    spec = container.spec
    problems = _security_problems(get(spec, "securityContext"), pod_context)
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


def _check_rollout(props: Any, config: Mapping[str, Any], report: ReportViolation) -> None:
    strategy = get(props, "spec", "strategy")
    if get(strategy, "type") == "Recreate":
        report("strategy Recreate stops every pod at once; use RollingUpdate", None)
        return
    limit = as_number(config.get("maxRolloutPercent"))
    replicas = as_number(get(props, "spec", "replicas"))
    for key in ("maxUnavailable", "maxSurge"):
        value = get(strategy, "rollingUpdate", key)
        if value is None or is_unknown(value):
            continue  # Kubernetes defaults both to 25 %
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # the engine sends every number as a double
        percent = percent_of(value, replicas)
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


def _check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in RESTRICTED_TYPES:
        return
    config = config_with_defaults(args, SCHEMA)
    pod_spec = k8s.pod_spec_of(args.resource_type, args.props)
    if is_unknown(pod_spec):
        return
    if pod_spec is None:
        report("the workload has no pod template", None)
        return
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if get(pod_spec, key) is True:
            report(f"the pod uses {key}", None)
    pod_context = get(pod_spec, "securityContext")
    long_running = args.resource_type in LONG_RUNNING
    for container in k8s.containers_of(pod_spec):
        if container.kind == "ephemeralContainers":
            continue
        problems = _container_problems(container, pod_context, long_running, config)
        if problems:
            report(f"{container.label}: {'; '.join(problems)}", None)
    if args.resource_type == types.DEPLOYMENT:
        _check_rollout(args.props, config, report)


workload_restricted = ResourceValidationPolicy(
    name="workload-restricted",
    description=(
        "Workloads run restricted: non-root, read-only root filesystem, no privilege "
        "escalation, all capabilities dropped, RuntimeDefault seccomp, probes and limits set, "
        "and rollouts replace at most 25 % of pods at once."
    ),
    validate=_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=SCHEMA,
    severity=Severity.HIGH,
)
