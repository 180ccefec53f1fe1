"""Real rollout objects for the rollout rules' tests: delivery.manifests from a plan."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from delivery import manifests, plan_rollout
from tests.delivery.servers import BASELINE, STATEFUL, STRICT
from tests.policy.harness import labels

PLANS = {"baseline": BASELINE, "strict": STRICT, "stateful": STATEFUL}
SLO_LABELS = {"baseline": ("99", "400"), "strict": ("99.9", "250"), "stateful": ("99.5", "400")}


def objects(kind: str = "strict", stage: str = "prod") -> dict[str, dict[str, Any]]:
    """The Rollout and both AnalysisTemplates of one server, labelled with its SLO."""
    plan = plan_rollout(replace(PLANS[kind], stage=stage))
    success, p95 = SLO_LABELS[kind]
    server_labels = labels(plan.server, environment=stage, success=success, p95=p95)
    selector = {"app.kubernetes.io/name": plan.server}
    rendered = manifests.render(plan, 8080, selector, server_labels)
    return {
        f"{doc['kind']}/{doc['metadata']['name']}": copy.deepcopy(doc)
        for doc in rendered
        if doc["kind"] in ("Rollout", "AnalysisTemplate")
    }
