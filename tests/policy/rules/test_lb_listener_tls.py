"""lb-listener-tls: one listener at a time."""

from __future__ import annotations

from typing import Any

import pytest

from policy.rules.lb_listener_tls import lb_listener_tls
from tests.policy.harness import (
    UNKNOWN,
    resource_args,
    violations,
)

LISTENER = "aws:lb/listener:Listener"


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        (
            {"protocol": "HTTPS", "port": 443, "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"},
            [],
        ),
        (
            {"protocol": "HTTPS", "port": 443, "sslPolicy": "ELBSecurityPolicy-2016-08"},
            [
                "HTTPS listener uses ssl policy 'ELBSecurityPolicy-2016-08'; use a ELBSecurityPolicy-TLS13-* (TLS 1.3) policy"
            ],
        ),
        (
            {"protocol": "HTTPS", "port": 443},
            [
                "HTTPS listener sets no ssl policy (AWS's default allows TLS 1.0); use a ELBSecurityPolicy-TLS13-* policy"
            ],
        ),
        (
            {
                "protocol": "HTTP",
                "port": 80,
                "defaultActions": [
                    {
                        "type": "redirect",
                        "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"},
                    }
                ],
            },
            [],
        ),
        (
            {
                "protocol": "HTTP",
                "port": 80,
                "defaultActions": [{"type": "forward", "targetGroupArn": "arn"}],
            },
            ["the HTTP listener must only redirect to HTTPS (defaultActions: redirect)"],
        ),
        ({"protocol": UNKNOWN}, []),
    ],
)
def test_listeners(props: dict[str, Any], expected: list[str]) -> None:
    assert violations(lb_listener_tls, resource_args(LISTENER, props)) == expected
