"""What a release will do, per server: the rollout plan read from the rendered Argo objects.

A release is an image change in a server's Deployment. The Rollout that took that Deployment
over (``workloadRef``) moves the new image through its steps; the plan shown is read back
from the Rollout and AnalysisTemplates the stack declares, not recomputed, so the comment
says what the cluster will be told: the steps, each step's drain and watch pauses, the
analysis limits and what rolls the release back (docs/delivery.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policy.analysis_conditions import limit_of
from policy.resource_types import ANALYSIS_TEMPLATE, DEPLOYMENT, ROLLOUT
from review.changes_model import ResourceChangeEntry, StackChanges

_DURATION = re.compile(r"^(\d+)s$")
UNITS = {"tool-latency-p95": " ms"}


@dataclass(frozen=True)
class Check:
    name: str
    limit: float | None
    lookback: str


@dataclass(frozen=True)
class Step:
    weight: int
    pauses: tuple[int, ...]
    """Seconds of each pause after the weight is set: the drain, then the watch."""
    analysis: bool


@dataclass(frozen=True)
class ReleasePlan:
    server: str
    namespace: str
    image_before: str
    image_after: str
    steps: tuple[Step, ...]
    gate: tuple[Check, ...]
    background: tuple[Check, ...]
    background_interval: str
    dry_run: bool
    notifies: tuple[str, ...]
    progress_deadline_seconds: int | None

    @property
    def least_seconds(self) -> int:
        return sum(sum(step.pauses) for step in self.steps)


def _seconds(duration: Any) -> int:
    if isinstance(duration, int | float):
        return int(duration)
    match = _DURATION.match(str(duration))
    return int(match.group(1)) if match else 0


def _steps(canary: Mapping[str, Any]) -> tuple[Step, ...]:
    steps: list[Step] = []
    for raw in canary.get("steps", []):
        if "setWeight" in raw:
            steps.append(Step(int(raw["setWeight"]), (), False))
        elif steps and "pause" in raw:
            last = steps[-1]
            pause = _seconds(raw["pause"].get("duration", 0))
            steps[-1] = Step(last.weight, (*last.pauses, pause), last.analysis)
        elif steps and "analysis" in raw:
            steps[-1] = Step(steps[-1].weight, steps[-1].pauses, True)
    return tuple(steps)


def _template_names(reference: Mapping[str, Any] | None) -> list[str]:
    return [t["templateName"] for t in (reference or {}).get("templates", [])]


def _checks(templates: Iterable[Mapping[str, Any]]) -> tuple[Check, ...]:
    return tuple(
        Check(
            metric["name"],
            limit_of(metric.get("successCondition")),
            str(metric.get("provider", {}).get("cloudWatch", {}).get("interval", "?")),
        )
        for template in templates
        for metric in template.get("spec", {}).get("metrics", [])
    )


def _image_change(change: ResourceChangeEntry) -> tuple[str, str] | None:
    for prop in change.properties:
        if prop.path.endswith(".image") and prop.change == "modified":
            return str(prop.before), str(prop.after)
    return None


def _by_type(resources: Sequence[Mapping[str, Any]], token: str) -> list[Mapping[str, Any]]:
    return [r for r in resources if r["type"] == token]


def _plan_for(
    resources: Sequence[Mapping[str, Any]], deployment: Mapping[str, Any], images: tuple[str, str]
) -> ReleasePlan | None:
    meta = deployment["inputs"].get("metadata", {})
    name, namespace = meta.get("name"), meta.get("namespace")
    rollouts = [
        r["inputs"]
        for r in _by_type(resources, ROLLOUT)
        if r["inputs"].get("spec", {}).get("workloadRef", {}).get("name") == name
        and r["inputs"].get("metadata", {}).get("namespace") == namespace
    ]
    if not rollouts:
        return None
    rollout = rollouts[0]
    canary = rollout["spec"].get("strategy", {}).get("canary", {})
    templates = {
        t["inputs"]["metadata"]["name"]: t["inputs"]
        for t in _by_type(resources, ANALYSIS_TEMPLATE)
        if t["inputs"].get("metadata", {}).get("namespace") == namespace
    }
    gate_names = {
        n for step in canary.get("steps", []) for n in _template_names(step.get("analysis"))
    }
    background_names = _template_names(canary.get("analysis"))
    used = [templates[n] for n in sorted(gate_names | set(background_names)) if n in templates]
    background = [templates[n] for n in background_names if n in templates]
    interval = next(
        (str(m.get("interval")) for t in background for m in t["spec"].get("metrics", [])), "?"
    )
    annotations = rollout.get("metadata", {}).get("annotations") or {}
    return ReleasePlan(
        server=str(name),
        namespace=str(namespace),
        image_before=images[0],
        image_after=images[1],
        steps=_steps(canary),
        gate=_checks(templates[n] for n in sorted(gate_names) if n in templates),
        background=_checks(background),
        background_interval=interval,
        dry_run=any(t.get("spec", {}).get("dryRun") for t in used),
        notifies=tuple(sorted(key.rsplit(".", 1)[1] for key in annotations)),
        progress_deadline_seconds=rollout["spec"].get("progressDeadlineSeconds"),
    )


def release_plans(
    resources: Sequence[Mapping[str, Any]], changes: StackChanges | None
) -> list[ReleasePlan]:
    """One plan per server whose Deployment's image changes, in the order of the changes."""
    if changes is None:
        return []
    by_urn = {r["urn"]: r for r in resources}
    plans: list[ReleasePlan] = []
    for change in changes.changes:
        images = _image_change(change) if change.type == DEPLOYMENT else None
        deployment = by_urn.get(change.urn)
        if images and deployment is not None:
            plan = _plan_for(resources, deployment, images)
            if plan is not None:
                plans.append(plan)
    return plans
