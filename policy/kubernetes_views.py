"""Kubernetes objects read by concept: labels, names, namespaces, pod specs, containers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import resource_types as types
from .reads import get, items, string_map


def labels_of(props: Any) -> dict[str, Any]:
    return string_map(get(props, "metadata", "labels", default={}))


def name_of(props: Any, fallback: str = "") -> str:
    name = get(props, "metadata", "name")
    return name if isinstance(name, str) and name else fallback


def namespace_of(props: Any) -> Any:
    """The namespace, ``UNKNOWN``, or "default" when unset (as the API server would)."""
    namespace = get(props, "metadata", "namespace")
    return namespace if namespace is not None else "default"


def pod_spec_of(resource_type: str, props: Any) -> Any:
    if resource_type == types.CRON_JOB:
        return get(props, "spec", "jobTemplate", "spec", "template", "spec")
    if resource_type in types.POD_TEMPLATE_WORKLOADS:
        return get(props, "spec", "template", "spec")
    return None


def pod_labels_of(resource_type: str, props: Any) -> dict[str, Any]:
    if resource_type == types.CRON_JOB:
        return string_map(
            get(props, "spec", "jobTemplate", "spec", "template", "metadata", "labels")
        )
    return string_map(get(props, "spec", "template", "metadata", "labels"))


@dataclass(frozen=True)
class Container:
    kind: str  # "containers", "initContainers" or "ephemeralContainers"
    name: str
    spec: Any

    @property
    def image(self) -> Any:
        return get(self.spec, "image")

    @property
    def label(self) -> str:
        if self.kind == "containers":
            return f"container {self.name!r}"
        return f"{self.kind[:-1]} {self.name!r}"


def containers_of(pod_spec: Any) -> list[Container]:
    found = []
    for kind in ("initContainers", "containers", "ephemeralContainers"):
        for index, spec in enumerate(items(get(pod_spec, kind))):
            name = get(spec, "name")
            found.append(Container(kind, name if isinstance(name, str) else f"#{index}", spec))
    return found
