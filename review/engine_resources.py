"""The resources of a rendered stack as the engine holds them for the analyzer.

What ``Analyze`` and ``AnalyzeStack`` are built from: the root stack, the default provider
the engine adds for each package (its properties are the package's config), and every
rendered resource with its inputs in wire form, internal ``__`` keys dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from review.render import RenderedStack


def struct_of(wire: Mapping[str, Any]) -> struct_pb2.Struct:
    """The engine's wire form back from the recorded ``MessageToDict`` of a Struct."""
    message = struct_pb2.Struct()
    json_format.ParseDict(dict(wire), message)
    return message


def without_internal_keys(wire: Mapping[str, Any]) -> dict[str, Any]:
    """``SkipInternalKeys``: the engine never shows analyzers its ``__``-prefixed keys."""
    return {key: value for key, value in wire.items() if not key.startswith("__")}


def options_of(record: Mapping[str, Any]) -> analyzer_pb2.AnalyzerResourceOptions:
    options = record.get("options") or {}
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(options.get("protect")),
        ignoreChanges=list(options.get("ignoreChanges") or []),
        deleteBeforeReplace=bool(options.get("deleteBeforeReplace")),
        deleteBeforeReplaceDefined=bool(options.get("deleteBeforeReplaceDefined")),
        additionalSecretOutputs=list(options.get("additionalSecretOutputs") or []),
        aliases=list(options.get("aliases") or []),
        parent=record.get("parent") or "",
    )


@dataclass(frozen=True)
class EngineResource:
    """A resource as the engine holds it: what Analyze and AnalyzeStack are built from."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    record: Mapping[str, Any]
    provider: EngineResource | None = None


def _default_provider(
    project: str, stack: str, package: str, version: str | None, config: Mapping[str, str]
) -> EngineResource:
    name = f"default_{version.replace('.', '_')}" if version else "default"
    properties: dict[str, Any] = {
        key.split(":", 1)[1]: value
        for key, value in config.items()
        if key.startswith(f"{package}:")
    }
    if version:
        properties["version"] = version
    urn = f"urn:pulumi:{stack}::{project}::pulumi:providers:{package}::{name}"
    record = {"urn": urn, "type": f"pulumi:providers:{package}", "parent": None}
    return EngineResource(urn, record["type"], name, properties, properties, record)  # type: ignore[arg-type]


class EngineView:
    """The engine's resources built one registration at a time, as the engine builds them:
    a resource's explicit provider is found among those registered before it, and each
    package's default provider is added before the first resource that uses it. The review
    can thus analyze each resource while the program is still registering the next."""

    def __init__(self, project: str, stack: str, config: Mapping[str, str]) -> None:
        self.project, self.stack, self.config = project, stack, config
        self.resources: list[EngineResource] = []
        self._by_urn: dict[str, EngineResource] = {}
        self._defaults: dict[str, EngineResource] = {}

    def add(self, record: Mapping[str, Any]) -> list[EngineResource]:
        """The engine resources ``record`` adds: a default provider first when it is new."""
        added: list[EngineResource] = []
        provider: EngineResource | None = None
        reference = record.get("provider")
        if reference:
            provider = self._by_urn.get(reference.rsplit("::", 1)[0])
        elif record.get("custom") and not record["type"].startswith("pulumi:providers:"):
            package = record["type"].split(":", 1)[0]
            if package not in self._defaults:
                self._defaults[package] = _default_provider(
                    self.project, self.stack, package, record.get("version"), self.config
                )
                added.append(self._defaults[package])
            provider = self._defaults[package]
        resource = EngineResource(
            record["urn"],
            record["type"],
            record["name"],
            record.get("wire") or {},
            record.get("outputs") or record.get("wire") or {},
            record,
            provider,
        )
        added.append(resource)
        self._by_urn[resource.urn] = resource
        self.resources += added
        return added


def root_resource(rendered: RenderedStack) -> EngineResource:
    """The root stack, with the program's exports as its outputs."""
    return EngineResource(
        rendered.root_urn,
        "pulumi:pulumi:Stack",
        rendered.root_urn.rsplit("::", 1)[-1],
        {},
        rendered.root.get("outputs") or {},
        {"urn": rendered.root_urn, "parent": None},
    )


def engine_resources(rendered: RenderedStack, config: Mapping[str, str]) -> list[EngineResource]:
    """The root stack, default providers and every rendered resource, in the render's order."""
    view = EngineView(rendered.project, rendered.stack, config)
    for record in rendered.resources:
        view.add(record)
    return [root_resource(rendered), *view.resources]


def provider_message(
    provider: EngineResource | None,
) -> analyzer_pb2.AnalyzerProviderResource | None:
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type,
        urn=provider.urn,
        name=provider.name,
        properties=struct_of(without_internal_keys(provider.inputs)),
    )
