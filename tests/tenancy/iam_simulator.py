"""Ask the real IAM evaluator (tools/iam-simulate) for decisions, many requests per process."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from typing import Any

from tests.pipeline.node_tools import node_tool

ALLOWED = "Allowed"
EXPLICITLY_DENIED = "ExplicitlyDenied"
IMPLICITLY_DENIED = "ImplicitlyDenied"


@dataclass(frozen=True)
class Request:
    principal: str
    action: str
    resource: str
    account: str
    identity_policies: dict[str, Any]
    """Policy name -> document, as attached to the principal."""
    resource_policy: dict[str, Any] | None = None
    context: dict[str, str | list[str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        request: dict[str, Any] = {
            "principal": self.principal,
            "action": self.action,
            "resource": self.resource,
            "accountId": self.account,
            "identityPolicies": [
                {"name": name, "policy": policy} for name, policy in self.identity_policies.items()
            ],
            "context": self.context,
        }
        if self.resource_policy is not None:
            request["resourcePolicy"] = self.resource_policy
        return request


def decide(requests: list[Request]) -> list[str]:
    """One decision per request; a request the evaluator cannot understand fails the test."""
    command = node_tool("iam-simulate", "@cloud-copilot/iam-simulate/package.json", "simulate.mjs")
    completed = subprocess.run(
        command,
        input=json.dumps([request.as_json() for request in requests]),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, f"iam-simulate refused the requests:\n{completed.stderr}"
    return [answer["decision"] for answer in json.loads(completed.stdout)]
