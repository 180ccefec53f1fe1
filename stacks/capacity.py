"""Capacity planning: the operate guide's ``calculate_capacity`` made real.

The guide sizes a service from peak RPS, CPU per request, memory per connection and a 50 %
buffer, then divides by 4-core instances. This module keeps that arithmetic exactly (so its
own numbers give 15 cores, 15,000 MB and 4 instances) and carries it on to what Kubernetes
needs: pod requests and limits and the autoscaler's replica bounds.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, model_validator


class CapacityInputs(BaseModel):
    """What a capacity plan is computed from; units in the field names."""

    model_config = ConfigDict(frozen=True)

    peak_rps: float = Field(gt=0)
    cpu_per_request: float = Field(gt=0, description="CPU cores one request per second costs")
    memory_per_connection_mb: float = Field(gt=0)
    concurrent_connections: int = Field(gt=0)
    headroom: float = Field(default=0.5, ge=0, le=4)
    cores_per_node: float = Field(default=4, gt=0)
    pod_cpu: float = Field(default=0.5, gt=0, description="CPU request of one replica, cores")
    pod_memory_mb: int = Field(default=512, gt=0, description="memory request of one replica")
    base_memory_mb: int = Field(default=128, ge=0, description="memory a replica uses idle")
    min_replicas_floor: int = Field(default=2, ge=1)
    off_peak_ratio: float = Field(default=0.25, gt=0, le=1)
    min_replicas_override: int | None = Field(default=None, ge=1)
    max_replicas_override: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _memory_leaves_room_for_connections(self) -> CapacityInputs:
        if self.pod_memory_mb <= self.base_memory_mb:
            raise ValueError(
                f"pod memory ({self.pod_memory_mb} MB) must exceed the idle base memory "
                f"({self.base_memory_mb} MB), or no replica has room for a connection"
            )
        return self


class CapacityPlan(BaseModel):
    """Sizing for one server at its peak; every figure already includes the headroom."""

    model_config = ConfigDict(frozen=True)

    cores_needed: float
    memory_needed_mb: float
    nodes: int
    cpu_request_millicores: int
    cpu_limit_millicores: int
    memory_request_mib: int
    memory_limit_mib: int
    min_replicas: int
    max_replicas: int

    @property
    def cpu_request(self) -> str:
        return f"{self.cpu_request_millicores}m"

    @property
    def cpu_limit(self) -> str:
        return f"{self.cpu_limit_millicores}m"

    @property
    def memory_request(self) -> str:
        return f"{self.memory_request_mib}Mi"

    @property
    def memory_limit(self) -> str:
        return f"{self.memory_limit_mib}Mi"


def required_cores(peak_rps: float, cpu_per_request: float, headroom: float) -> float:
    """The guide's ``peak_rps * cpu_per_request * 1.5`` with the buffer as a parameter."""
    return round(peak_rps * cpu_per_request * (1 + headroom), 6)


def required_memory_mb(
    concurrent_connections: int, memory_per_connection_mb: float, headroom: float
) -> float:
    """The guide's ``peak_rps * memory_per_connection * 1.5``, counted per open connection.

    The guide uses peak RPS as the connection count; a stack that knows its concurrency
    (long-lived streamable HTTP sessions) says so, and otherwise peak RPS stands in.
    """
    return round(concurrent_connections * memory_per_connection_mb * (1 + headroom), 6)


def nodes_needed(cores: float, cores_per_node: float) -> int:
    """The guide's ``ceil(required_cores / 4)`` for any instance size."""
    return max(1, math.ceil(cores / cores_per_node))


def plan_capacity(inputs: CapacityInputs) -> CapacityPlan:
    """Size one server: totals from the guide, then replicas that carry them.

    Replicas at peak are whichever of CPU and memory needs more pods; that is the
    autoscaler's maximum. Its minimum keeps the off-peak share of that, never fewer than
    the floor (two, so a PodDisruptionBudget and zone spread mean something). Stack
    overrides win, and a minimum above the maximum is refused rather than silently fixed.
    """
    cores = required_cores(inputs.peak_rps, inputs.cpu_per_request, inputs.headroom)
    memory = required_memory_mb(
        inputs.concurrent_connections, inputs.memory_per_connection_mb, inputs.headroom
    )
    room_per_pod = inputs.pod_memory_mb - inputs.base_memory_mb
    replicas_at_peak = max(
        math.ceil(cores / inputs.pod_cpu),
        math.ceil(memory / room_per_pod),
        inputs.min_replicas_floor,
    )
    max_replicas = inputs.max_replicas_override or replicas_at_peak
    min_replicas = inputs.min_replicas_override or min(
        max_replicas,
        max(inputs.min_replicas_floor, math.ceil(replicas_at_peak * inputs.off_peak_ratio)),
    )
    if min_replicas > max_replicas:
        raise ValueError(
            f"minReplicas ({min_replicas}) is above maxReplicas ({max_replicas}); "
            "raise maxReplicas or lower minReplicas"
        )
    cpu_request = round(inputs.pod_cpu * 1000)
    return CapacityPlan(
        cores_needed=cores,
        memory_needed_mb=memory,
        nodes=nodes_needed(cores, inputs.cores_per_node),
        cpu_request_millicores=cpu_request,
        cpu_limit_millicores=cpu_request * 2,
        memory_request_mib=inputs.pod_memory_mb,
        memory_limit_mib=inputs.pod_memory_mb,
        min_replicas=min_replicas,
        max_replicas=max_replicas,
    )
