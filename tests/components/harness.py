"""Build one component in-process under Pulumi's mocks and read back what it declared.

The pulumi/examples ``testing-unit-py`` pattern: ``set_mocks`` with fresh mocks for every
build, then run the constructor inside ``pulumi.runtime.test``. A recording monitor keeps
each registration in the same record shape ``review.render`` produces for a whole stack
(``urn``, ``type``, ``name``, ``parent``, ``provider``, ``inputs``, ``options``, ``outputs``),
so a component test reads its resources exactly as a whole-stack test reads a stack, in
milliseconds instead of a subprocess per stack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pulumi
import pulumi_kubernetes as k8s
from google.protobuf import json_format
from pulumi.runtime import mocks as runtime_mocks

from review.mocks import FleetMocks
from review.render import RenderedStack
from review.render_worker import clean

PROJECT = "mcp-fleet"
STACK = "test"
REGION = "eu-west-1"
ACCOUNT = "111122223333"

T = TypeVar("T")


@dataclass(frozen=True)
class Built(Generic[T]):
    """The component object itself and every resource the build registered."""

    component: T
    stack: RenderedStack

    def of_type(self, type_token: str) -> list[dict[str, Any]]:
        return self.stack.of_type(type_token)

    def named(self, name: str) -> dict[str, Any]:
        return self.stack.named(name)

    @property
    def resources(self) -> list[dict[str, Any]]:
        return self.stack.resources


class _RecordingMonitor(runtime_mocks.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.records: list[dict[str, Any]] = []
        self.registered_outputs: dict[str, dict[str, Any]] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        wire = json_format.MessageToDict(request.object)
        self.records.append(
            {
                "urn": response.urn,
                "type": request.type,
                "name": request.name,
                "parent": request.parent or None,
                "custom": bool(request.custom),
                "provider": request.provider or None,
                "inputs": clean(wire),
                "dependencies": sorted(set(request.dependencies)),
                "options": {
                    "protect": bool(request.protect),
                    "ignoreChanges": list(request.ignoreChanges),
                    "retainOnDelete": bool(request.retainOnDelete),
                },
                "outputs": json_format.MessageToDict(response.object) if request.custom else {},
                "id": response.id or None,
            }
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.registered_outputs[request.urn] = json_format.MessageToDict(request.outputs)
        return super().RegisterResourceOutputs(request)


def build(construct: Callable[[], T], *, stack: str = STACK, region: str = REGION) -> Built[T]:
    """Run ``construct`` (which creates the component) under fresh mocks; wait for it all."""
    mocks = FleetMocks(region=region, account_id=ACCOUNT)
    monitor = _RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    made: list[T] = []

    @pulumi.runtime.test
    def program() -> None:
        made.append(construct())

    program()
    for record in monitor.records:
        if not record["custom"] and record["urn"] in monitor.registered_outputs:
            record["outputs"] = monitor.registered_outputs[record["urn"]]
    return Built(made[0], RenderedStack(PROJECT, stack, monitor.records))


def cluster() -> k8s.Provider:
    """A stand-in for the stack's cluster provider; components receive it via opts.providers."""
    return k8s.Provider("cluster", kubeconfig="{}")


def on_cluster(provider: k8s.Provider) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(providers=[provider])


def provider_urn(built: Built[Any]) -> str:
    """The URN of the one explicit Kubernetes provider of a build."""
    (found,) = built.of_type("pulumi:providers:kubernetes")
    return str(found["urn"])
