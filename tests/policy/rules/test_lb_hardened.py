"""lb-hardened: one load balancer at a time."""

from __future__ import annotations

from typing import Any

from policy.rules.lb_hardened import lb_hardened
from tests.policy.harness import (
    resource_args,
    violations,
)


def test_load_balancers_log_access_and_are_protected_where_required() -> None:
    good = {"accessLogs": {"bucket": "logs", "enabled": True}, "enableDeletionProtection": True}
    assert violations(lb_hardened, resource_args("aws:lb/loadBalancer:LoadBalancer", good)) == []
    bare: dict[str, Any] = {"loadBalancerType": "application"}
    assert violations(lb_hardened, resource_args("aws:lb/loadBalancer:LoadBalancer", bare)) == [
        "access logs are not enabled (accessLogs.enabled with a bucket)",
        "deletion protection is off (enableDeletionProtection: true)",
    ]
    dev = {"requireDeletionProtection": False}
    logs_only = {"accessLogs": {"bucket": "logs", "enabled": True}}
    assert (
        violations(lb_hardened, resource_args("aws:lb/loadBalancer:LoadBalancer", logs_only, dev))
        == []
    )
