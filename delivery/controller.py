"""What the Argo Rollouts controller is given: its version, CRDs, RBAC rules and workload numbers.

Pure data, read by ``components/rollout_controller.py`` (which declares it), the tests (which
validate it against the published schemas) and the docs. The version is the one the schemas
in ``tools/argo-rollouts`` were generated from (``@kubernetes-models/argo-rollouts`` 2.0.0 is
built from ``github.com/argoproj/argo-rollouts v1.9.0``): the objects the tests validate are
the objects that controller reads. Its image is pinned by digest in the signed platform entry
``catalog/platform/argo-rollouts.yaml``, whose ``version`` must be this one.

The CRDs are applied from the release's own manifests at that tag, the documented install
path (``manifests/crds`` of the release), so the cluster gets exactly the upstream schemas; the
ClusterRole is upstream's (``manifests/role/argo-rollouts-clusterrole.yaml``) without the
traffic routers this fleet does not use (Istio, SMI, Ambassador, App Mesh, Traefik, and the
write verbs on Ingresses and Jobs), and with Secrets and ConfigMaps read only in the
controller's own namespace (its notification map and secret), never cluster-wide.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTROLLER_VERSION = "v1.9.0"
"""Argo Rollouts release: the CRDs' tag, and the catalog entry's version (without ``v``)."""
CATALOG_ENTRY = "argo-rollouts"
"""``catalog/platform/argo-rollouts.yaml``."""
NAMESPACE = "argo-rollouts"
"""The namespace upstream's manifests and the ``kubectl argo rollouts`` plugin expect."""
NAME = "argo-rollouts"
"""Deployment, ServiceAccount, ClusterRole and binding names, as upstream names them."""

CRD_FILES = (
    "analysis-run-crd.yaml",
    "analysis-template-crd.yaml",
    "cluster-analysis-template-crd.yaml",
    "experiment-crd.yaml",
    "rollout-crd.yaml",
)
"""The five CRDs of ``manifests/crds`` (its kustomization lists exactly these)."""
CRD_BASE_URL = "https://raw.githubusercontent.com/argoproj/argo-rollouts/{version}/manifests/crds"

METRICS_PORT = 8090
HEALTH_PORT = 8080
CONTROLLER_USER = 999
"""The image's ``USER`` (argo-rollouts' Dockerfile): a non-root UID for "restricted"."""
REPLICAS = 2
"""Two controllers with leader election: one works, one takes over at once if its node goes."""


def crd_urls(version: str = CONTROLLER_VERSION) -> tuple[str, ...]:
    """The release's CRD manifests, pinned to the tag."""
    base = CRD_BASE_URL.format(version=version)
    return tuple(f"{base}/{name}" for name in CRD_FILES)


@dataclass(frozen=True)
class Rule:
    """One RBAC PolicyRule: which verbs on which resources of which API groups."""

    api_groups: tuple[str, ...]
    resources: tuple[str, ...]
    verbs: tuple[str, ...]


READ = ("get", "list", "watch")
WRITE = ("create", "update", "patch", "delete")

CLUSTER_RULES = (
    Rule(
        ("argoproj.io",),
        ("rollouts", "rollouts/status", "rollouts/finalizers"),
        (*READ, "update", "patch"),
    ),
    Rule(
        ("argoproj.io",),
        ("analysisruns", "analysisruns/finalizers", "experiments", "experiments/finalizers"),
        (*READ, *WRITE),
    ),
    Rule(("argoproj.io",), ("analysistemplates", "clusteranalysistemplates"), READ),
    # The ReplicaSets of each version; the Deployment a Rollout takes over (workloadRef).
    Rule(("apps",), ("replicasets",), (*READ, *WRITE)),
    Rule(("", "apps"), ("deployments", "podtemplates"), READ),
    # The stateful servers' canary/stable Services: their selectors follow each version.
    Rule(("",), ("services",), (*READ, "patch", "create", "delete")),
    Rule(("coordination.k8s.io",), ("leases",), ("create", "get", "update")),
    Rule(("",), ("pods",), ("list", "update", "watch")),
    Rule(("",), ("pods/eviction",), ("create",)),
    Rule(("",), ("events",), ("create", "update", "patch")),
    # Watched by the controller's informers; this fleet routes no traffic through them.
    Rule(("networking.k8s.io", "extensions"), ("ingresses",), READ),
    Rule(("batch",), ("jobs",), READ),
    Rule(("",), ("endpoints",), ("get",)),
    Rule(("elbv2.k8s.aws",), ("targetgroupbindings",), ("list", "get")),
)
"""Cluster-wide: the servers' Rollouts live in every tenant namespace."""

NAMESPACE_RULES = (Rule(("",), ("configmaps", "secrets"), READ),)
"""In the controller's namespace only: its notification ConfigMap and Secret, its config."""
