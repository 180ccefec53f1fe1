"""Progressive delivery with Argo Rollouts (docs/decisions/0002-progressive-delivery.md).

``plan.plan_rollout`` turns plain inputs (a server's SLO, the fleet's rollout settings) into a
typed ``RolloutPlan``: batches, pauses, analysis thresholds, all derived from the same SLO
math as the alarms. ``manifests`` renders that plan as Kubernetes objects (plain dicts for
``k8s.apiextensions.CustomResource``) that validate against the controller's published schemas.
"""

from delivery.analysis import SliCheck, SliKind
from delivery.plan import (
    BatchStep,
    RolloutInputs,
    RolloutPlan,
    RolloutPlanError,
    TicketRoute,
    plan_rollout,
)

__all__ = [
    "BatchStep",
    "RolloutInputs",
    "RolloutPlan",
    "RolloutPlanError",
    "SliCheck",
    "SliKind",
    "TicketRoute",
    "plan_rollout",
]
