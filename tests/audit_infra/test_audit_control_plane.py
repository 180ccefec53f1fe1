"""The warning a preview prints when the cluster's control-plane audit log is off.

The cluster is not the program's, so the program only reads ``enabledClusterLogTypes`` and
says what to run. Under Pulumi's mocks the mock engine hands ``pulumi.log.warn`` to Python
logging at WARNING, which the test reads.
"""

from __future__ import annotations

import logging
from typing import Any

import pulumi
import pytest

from components.audit_control_plane import check_control_plane_audit, missing_audit_log
from tests.audit_infra.mocks import RecordingMocks, _fresh_root

CLUSTER, REGION = "fleet-prod", "eu-west-1"


class ClusterMocks(RecordingMocks):
    """getCluster answered with the given log types (absent: as the review's mocks)."""

    def __init__(self, enabled: list[str] | None) -> None:
        super().__init__()
        self.enabled = enabled

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        answer: dict[str, Any] = super().call(args)
        if args.token == "aws:eks/getCluster:getCluster" and self.enabled is not None:
            answer = answer | {"enabledClusterLogTypes": self.enabled}
        return answer


def warnings_for(enabled: list[str] | None, caplog: pytest.LogCaptureFixture) -> list[str]:
    _fresh_root()
    pulumi.runtime.set_mocks(ClusterMocks(enabled), project="mcp-fleet", stack="prod")

    def program() -> pulumi.Output[None]:
        parent = pulumi.ComponentResource("test:index:Parent", "parent")
        return check_control_plane_audit(CLUSTER, REGION, parent)

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        pulumi.runtime.test(program)()
    _fresh_root()
    return [r.getMessage() for r in caplog.records if "EKS cluster" in r.getMessage()]


def test_a_cluster_without_the_audit_log_gets_the_command_that_enables_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    (warning,) = warnings_for(["api", "authenticator"], caplog)
    assert warning.startswith(
        "EKS cluster fleet-prod does not send its control-plane audit log to "
        "CloudWatch (enabled: api, authenticator)"
    )
    assert (
        "aws eks update-cluster-config --region eu-west-1 --name fleet-prod --logging "
        """'{"clusterLogging":[{"types":["audit","authenticator"],"enabled":true}]}'"""
    ) in warning


def test_a_cluster_with_the_audit_log_or_unknown_log_types_is_not_warned_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert warnings_for(["api", "audit", "authenticator"], caplog) == []
    assert warnings_for(None, caplog) == []


def test_no_log_types_at_all_names_both() -> None:
    message = missing_audit_log(CLUSTER, REGION, [])
    assert message is not None
    assert "control-plane audit and authenticator log" in message
    assert "(enabled: none)" in message
