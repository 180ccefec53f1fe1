"""RolloutController in-process: every object it declares, validated against published schemas.

The Argo objects' schemas and the Kubernetes API's come from npm (tools/argo-rollouts:
``@kubernetes-models/argo-rollouts`` 2.0.0, generated from Argo Rollouts v1.9.0, and
``kubernetes-models``); the CRDs themselves are applied from the release's manifests at the
same tag, so what the tests validate against is what the cluster will enforce.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from catalog.platform_image import load_platform_entry
from components.platform_delivery import rollout_controller_args
from components.rollout_controller import RolloutController, RolloutControllerInstallArgs
from delivery import controller
from policy.resource_types import DEPLOYMENT
from policy.rules.workload_restricted import workload_restricted
from review.render import RenderedStack
from tests.components.harness import Built, build, cluster, on_cluster
from tests.components.test_platform_args import settings_of
from tests.components.test_rollout_controller import args as access_args
from tests.delivery.argo_schema import validate
from tests.policy.harness import resource_args, stack_config, violations

IMAGE = "quay.io/argoproj/argo-rollouts@sha256:" + "a" * 64
CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup"


def install_args(**changes: Any) -> RolloutControllerInstallArgs:
    values: dict[str, Any] = {
        "access": access_args(),
        "image": IMAGE,
        "version": "1.9.0",
        "region": "eu-west-1",
        "deployment_annotations": {"mcp-fleet.io/catalog-entry": "{}"},
        **changes,
    }
    return RolloutControllerInstallArgs(**values)


@cache
def built() -> Built[RolloutController]:
    return build(lambda: RolloutController("rollouts", install_args(), opts=on_cluster(cluster())))


def document(record: dict[str, Any]) -> dict[str, Any]:
    """A typed Kubernetes resource's inputs as the object the API server receives."""
    group_version, kind = record["type"].removeprefix("kubernetes:").rsplit(":", 1)
    api_version = group_version.removeprefix("core/")
    return {**record["inputs"], "apiVersion": api_version, "kind": kind}


def kubernetes_objects() -> list[dict[str, Any]]:
    return [
        document(r)
        for r in built().resources
        if r["type"].startswith("kubernetes:") and r["type"] != CONFIG_GROUP
    ]


def one(kind: str) -> dict[str, Any]:
    (found,) = [d for d in kubernetes_objects() if d["kind"] == kind]
    return found


def test_every_controller_object_validates_against_the_published_schemas() -> None:
    documents = kubernetes_objects()
    kinds = sorted(d["kind"] for d in documents)
    assert kinds == [
        "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "Namespace",
        "NetworkPolicy", "PodDisruptionBudget", "Role", "RoleBinding", "ServiceAccount",
    ]  # fmt: skip
    verdict = validate(documents)
    assert verdict.returncode == 0 and not verdict.errors, verdict.lines
    assert len(verdict.lines) == len(documents)


def test_the_validator_rejects_a_broken_controller_object() -> None:
    deployment = one("Deployment")
    misspelt = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    role = one("ClusterRole")
    mistyped = {**role, "rules": [{"verbs": "get"}]}
    verdict = validate([misspelt, mistyped])
    assert verdict.returncode == 1
    assert "'\"replica\"' does not exist in type 'IDeploymentSpec'" in verdict.lines[0]
    assert "rules/0/verbs must be array" in verdict.lines[1]


def test_the_crds_are_the_releases_own_at_the_pinned_tag() -> None:
    (group,) = built().of_type(CONFIG_GROUP)
    files = group["inputs"]["files"]
    assert files == list(controller.crd_urls())
    assert len(files) == 5
    for url in files:
        assert f"/argo-rollouts/{controller.CONTROLLER_VERSION}/manifests/crds/" in url
    entry = load_platform_entry(controller.CATALOG_ENTRY)
    assert f"v{entry.version}" == controller.CONTROLLER_VERSION == "v1.9.0"


def test_the_deployment_runs_restricted_and_survives_a_drained_node() -> None:
    deployment = one("Deployment")
    spec = deployment["spec"]
    assert spec["replicas"] == 2
    assert spec["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == IMAGE
    context = container["securityContext"]
    assert context["runAsNonRoot"] is True and context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert pod["serviceAccountName"] == "argo-rollouts"
    assert {"name": "AWS_REGION", "value": "eu-west-1"} in container["env"]
    config = stack_config("prod", workload_restricted.name)
    assert violations(workload_restricted, resource_args(DEPLOYMENT, deployment, config)) == []
    budget = one("PodDisruptionBudget")["spec"]
    assert budget["minAvailable"] == 1
    assert budget["selector"]["matchLabels"] == spec["selector"]["matchLabels"]
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    namespace = one("Namespace")["metadata"]
    assert namespace["name"] == "argo-rollouts"
    assert namespace["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_rbac_reads_secrets_only_in_the_controllers_namespace() -> None:
    cluster_rules = one("ClusterRole")["rules"]
    assert not any("secrets" in rule["resources"] for rule in cluster_rules)
    assert any("rollouts" in rule["resources"] for rule in cluster_rules)
    assert not any("networking.istio.io" in rule.get("apiGroups", []) for rule in cluster_rules)
    (namespaced,) = one("Role")["rules"]
    assert namespaced["resources"] == ["configmaps", "secrets"]
    assert namespaced["verbs"] == ["get", "list", "watch"]
    assert one("Role")["metadata"]["namespace"] == "argo-rollouts"
    subject = {"kind": "ServiceAccount", "name": "argo-rollouts", "namespace": "argo-rollouts"}
    for binding in (one("ClusterRoleBinding"), one("RoleBinding")):
        assert binding["subjects"] == [subject]
    assert one("ServiceAccount")["metadata"]["name"] == "argo-rollouts"


def test_the_deployment_waits_for_the_crds_rbac_and_access() -> None:
    (deployment,) = built().of_type("kubernetes:apps/v1:Deployment")
    waits_for = set(deployment["dependencies"])
    urns = {r["type"]: r["urn"] for r in built().resources}
    for token in (
        CONFIG_GROUP,
        "kubernetes:core/v1:ServiceAccount",  # the access component, expanded to its children
        "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    ):
        assert urns[token] in waits_for, token


def test_the_stacks_controller_runs_the_signed_entrys_image() -> None:
    settings = settings_of("prod")
    made = rollout_controller_args(settings)
    entry = load_platform_entry("argo-rollouts")
    assert made.image == entry.image and "@sha256:" in made.image
    assert made.access.namespace == controller.NAMESPACE
    assert made.access.ticket_route.https_endpoints == (
        settings.observability.ticket.https_endpoints
    )
    assert made.region == settings.region
    assert made.deployment_annotations  # the entry's provenance, checked by the pack


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"image": "quay.io/argoproj/argo-rollouts:v1.9.0"}, "not pinned by digest"),
        ({"version": "1.8.3"}, "is not the CRDs' and schemas' 'v1.9.0'"),
        ({"replicas": 1}, "at least 2"),
        ({"access": access_args(namespace="rollouts")}, "use 'argo-rollouts'"),
    ],
)
def test_wrong_args_are_refused_before_anything_exists(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        install_args(**change)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_platform_installs_the_controller_before_every_servers_rollout(
    stack: str, rendered: Callable[[str], RenderedStack]
) -> None:
    result = rendered(stack)
    (installed,) = result.of_type("mcp-fleet:rollout_controller:RolloutController")
    (group,) = result.of_type(CONFIG_GROUP)
    assert group["parent"] == installed["urn"]
    (deployment,) = [
        d
        for d in result.of_type("kubernetes:apps/v1:Deployment")
        if d["inputs"]["metadata"]["name"] == controller.NAME
    ]
    image = deployment["inputs"]["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == load_platform_entry(controller.CATALOG_ENTRY).image
    rollouts = result.of_type("kubernetes:argoproj.io/v1alpha1:Rollout")
    templates = result.of_type("kubernetes:argoproj.io/v1alpha1:AnalysisTemplate")
    assert rollouts and len(templates) == 2 * len(rollouts), "every server rolls out"
    for custom in (*rollouts, *templates):
        # A component's depends_on does not reach its children: each custom resource waits
        # for the CRDs itself, or a new cluster refuses it.
        assert group["urn"] in custom["dependencies"], custom["name"]
