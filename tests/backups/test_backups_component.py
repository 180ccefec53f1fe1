"""Backups built in-process under Pulumi's mocks, on its own, without a Platform around it.

Whatever ``alarm_actions`` a caller passes reaches every age alarm, for alarm and recovery.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.backups import Backups, BackupsArgs
from review.mocks import FleetMocks
from tests.backups.rendered_backups import settings_of

PAGE_TOPIC = "arn:aws:sns:eu-west-1:111122223333:mcp-fleet-prod-page"


class RecordingMocks(FleetMocks):
    def __init__(self) -> None:
        super().__init__(region="eu-west-1", account_id="111122223333")
        self.created: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.created.append(args)
        return super().new_resource(args)


def test_alarm_actions_reach_every_age_alarm_for_alarm_and_recovery() -> None:
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="mcp-fleet", stack="prod", preview=False)
    settings = settings_of("prod")
    topic = pulumi.Output.from_input(PAGE_TOPIC)

    @pulumi.runtime.test
    def build() -> pulumi.Output[None]:
        cluster = k8s.Provider("cluster", kubeconfig="{}")
        backups = Backups(
            "mcp-backups",
            BackupsArgs(settings=settings, kubernetes_provider=cluster, alarm_actions=[topic]),
        )
        alarms = [schedule.alarm for schedule in backups.schedules.values()]

        def check(values: list[Any]) -> None:
            assert len(values) == 2 * len(settings.backups.dependencies)
            for actions in values:
                assert actions == [PAGE_TOPIC]

        return pulumi.Output.all(
            *[a.alarm_actions for a in alarms], *[a.ok_actions for a in alarms]
        ).apply(check)

    build()
    alarm_inputs = [
        dict(a.inputs) for a in mocks.created if a.typ == "aws:cloudwatch/metricAlarm:MetricAlarm"
    ]
    assert len(alarm_inputs) == 3
    for inputs in alarm_inputs:
        assert list(inputs["alarmActions"]) == [PAGE_TOPIC]
