"""A server's progressive delivery objects: the Rollout, its AnalysisTemplates, version Services.

Built from ``delivery.manifests`` (the same dicts the tests validate against the Argo Rollouts
schemas), so the program declares exactly what was validated. The Rollout takes over the
server's Deployment by ``workloadRef`` without copying its pod template; how that happens
without dropping a pod is docs/delivery.md, "Migration".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_kubernetes as k8s

from delivery import manifests
from delivery.plan import RolloutPlan


def _with_namespace(
    manifest: manifests.Manifest, namespace: pulumi.Input[str]
) -> k8s.meta.v1.ObjectMetaArgs:
    """The manifest's metadata in the namespace resource's own output, to depend on it."""
    metadata = manifest["metadata"]
    return k8s.meta.v1.ObjectMetaArgs(
        name=metadata["name"],
        namespace=namespace,
        labels=metadata["labels"],
        annotations=metadata.get("annotations"),
    )


def _custom_resource(
    name: str,
    manifest: manifests.Manifest,
    namespace: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> k8s.apiextensions.CustomResource:
    return k8s.apiextensions.CustomResource(
        name,
        api_version=manifest["apiVersion"],
        kind=manifest["kind"],
        metadata=_with_namespace(manifest, namespace),
        spec=manifest["spec"],
        opts=opts,
    )


def _service(
    name: str,
    manifest: manifests.Manifest,
    namespace: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> k8s.core.v1.Service:
    spec = manifest["spec"]
    return k8s.core.v1.Service(
        name,
        metadata=_with_namespace(manifest, namespace),
        spec=k8s.core.v1.ServiceSpecArgs(
            type=spec["type"],
            selector=spec["selector"],
            ports=[
                k8s.core.v1.ServicePortArgs(
                    name=port["name"],
                    port=port["port"],
                    target_port=port["targetPort"],
                    protocol=port["protocol"],
                )
                for port in spec["ports"]
            ],
        ),
        opts=opts,
    )


def waited_for(opts: pulumi.ResourceOptions | None) -> list[pulumi.Resource]:
    """What the server's component was told to wait for: the rollout controller and its CRDs.

    A component's ``depends_on`` does not reach the resources created inside it, and on a new
    cluster the API server refuses a Rollout or AnalysisTemplate whose CRD is not there yet,
    so the custom resources name those dependencies themselves.
    """
    found = opts.depends_on if opts is not None else None
    if found is None:
        return []
    if isinstance(found, pulumi.Resource):
        return [found]
    return [each for each in found if isinstance(each, pulumi.Resource)]  # type: ignore[union-attr]


class ServerRolloutObjects:
    """Declares the objects of one plan as children of the server's component.

    Not a component of its own: the objects sit beside the Deployment they take over, under
    the same ``McpServer``, so the URNs read like the rest of the server's objects.
    """

    def __init__(
        self,
        name: str,
        plan: RolloutPlan,
        *,
        port: int,
        selector: Mapping[str, str],
        labels: Mapping[str, str],
        namespace: pulumi.Input[str],
        parent: pulumi.Resource,
        after: pulumi.Resource,
        crds: Sequence[pulumi.Resource] = (),
    ) -> None:
        child = pulumi.ResourceOptions(parent=parent, depends_on=list(crds))
        self.analysis_templates = [
            _custom_resource(f"{name}-{suffix}", manifest, namespace, child)
            for suffix, manifest in (
                ("slo-gate", manifests.gate_template(plan, labels)),
                ("slo-fast-burn", manifests.background_template(plan, labels)),
            )
        ]
        self.version_services = [
            _service(f"{name}-{manifest['metadata']['name']}", manifest, namespace, child)
            for manifest in manifests.version_services(plan, port, selector, labels)
        ]
        self.rollout = _custom_resource(
            f"{name}-rollout",
            manifests.rollout(plan, selector, labels),
            namespace,
            pulumi.ResourceOptions(
                parent=parent,
                # The templates and Services it names exist first; the Deployment it takes
                # over too. The autoscaler owns its replica count once it exists.
                depends_on=[after, *crds, *self.analysis_templates, *self.version_services],
                ignore_changes=["spec.replicas"],
            ),
        )
