"""Settings to the Argo Rollouts controller: ``Platform``'s one call for progressive delivery.

Like ``platform_audit`` for issue 13, the one place that reads ``Settings`` for the controller:
its signed platform entry (``catalog/platform/argo-rollouts.yaml``), the stack's cluster
identity for IRSA, the ticket route an aborted rollout is reported to, and the region the
analyses read CloudWatch in. Only environments whose policy rolls out progressively get it,
and with it the alarm that takes an abort to the ticket topic (components/rollout_abort_alarm.py).
"""

from __future__ import annotations

import pulumi

from catalog.platform_image import load_platform_entry
from catalog.provenance import provenance_annotations
from components.labels import kubernetes_labels, standard_tags
from components.observability import Observability
from components.platform_args import fleet_of, naming, policy_of
from components.rollout_abort_alarm import RolloutAbortAlarm, RolloutAbortAlarmArgs
from components.rollout_controller import (
    RolloutController,
    RolloutControllerArgs,
    RolloutControllerInstallArgs,
)
from components.slo_math import Severity
from delivery import controller
from delivery.plan import TicketRoute
from stacks.fleet_plan import Settings


def rollout_controller_args(settings: Settings) -> RolloutControllerInstallArgs:
    """The controller for one environment, from its settings and the signed entry."""
    entry = load_platform_entry(controller.CATALOG_ENTRY)
    names = naming(settings)
    return RolloutControllerInstallArgs(
        access=RolloutControllerArgs(
            namespace=controller.NAMESPACE,
            oidc_provider_arn=settings.cluster.oidc_provider_arn,
            role_name_prefix=f"{names.environment_prefix}-rollouts-"[:38],
            title=f"{settings.project} {settings.environment.value}",
            ticket_route=TicketRoute(settings.observability.ticket.https_endpoints),
            labels=kubernetes_labels(fleet_of(settings)),
            tags=standard_tags(fleet_of(settings)),
        ),
        image=entry.image,
        version=entry.version,
        region=settings.region,
        deployment_annotations=provenance_annotations(entry),
    )


def rollout_controller(
    name: str, settings: Settings, on_cluster: pulumi.ResourceOptions
) -> RolloutController | None:
    """``Platform``'s one call: the controller on the cluster, or None without rollouts."""
    if not policy_of(settings).progressive_delivery:
        return None
    return RolloutController(
        f"{name}-rollout-controller", rollout_controller_args(settings), opts=on_cluster
    )


def after_rollout_controller(
    on_cluster: pulumi.ResourceOptions, installed: RolloutController | None
) -> pulumi.ResourceOptions:
    """``on_cluster`` for what comes after the controller: the servers' Rollouts need its CRDs
    (on a new cluster the API server refuses a Rollout whose CRD does not exist yet)."""
    if installed is None:
        return on_cluster
    return pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[installed]))


def rollout_abort_alarm(
    name: str, settings: Settings, observability: Observability, parent: pulumi.Resource
) -> RolloutAbortAlarm | None:
    """``Platform``'s call after its observability: aborts to the ticket topic (emails too)."""
    if not policy_of(settings).progressive_delivery:
        return None
    return RolloutAbortAlarm(
        f"{name}-rollout-aborts",
        RolloutAbortAlarmArgs(
            name_prefix=naming(settings).environment_prefix,
            environment=settings.environment.value,
            controller_namespace=controller.NAMESPACE,
            application_log_group=observability.logs.application_log_group.name,
            ticket_actions=observability.routing.actions(Severity.TICKET),
            tags=standard_tags(fleet_of(settings)),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
