"""Pulumi's mock runtime for the tenancy components: a fresh recorder per test.

``FleetMocks`` answers ids and ARNs; this adds the Secrets Manager ARN shape AWS really uses
(``secret:NAME-XXXXXX``, six random characters), so the IAM evaluator sees real ARNs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi

from review.mocks import FleetMocks, digest
from review.render_worker import clean

REGION = "eu-west-1"
ACCOUNT = "111122223333"
SECRET = "aws:secretsmanager/secret:Secret"


class RecordingMocks(FleetMocks):
    def __init__(self, account: str = ACCOUNT) -> None:
        super().__init__(region=REGION, account_id=account)
        self.created: list[pulumi.runtime.MockResourceArgs] = []
        self.outputs: dict[str, dict[str, Any]] = {}
        """Logical name -> the outputs the mock answered (ids, ARNs)."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.created.append(args)
        rid, outputs = super().new_resource(args)
        if args.typ == SECRET:
            suffix = digest(args.name, length=6)
            outputs["arn"] = rid = (
                f"arn:aws:secretsmanager:{REGION}:{self.account}:secret:{args.inputs['name']}-{suffix}"
            )
            outputs["id"] = rid
        self.outputs[args.name] = outputs
        return rid, outputs

    def of_type(self, typ: str) -> list[dict[str, Any]]:
        """Inputs as the review sees them (``clean``: whole numbers back to integers)."""
        return [clean(dict(r.inputs)) | {"__name": r.name} for r in self.created if r.typ == typ]


def render(build: Callable[[], Any], stack: str = "prod", account: str = ACCOUNT) -> RecordingMocks:
    """Run ``build`` under fresh mocks; whatever Output it returns is awaited."""
    mocks = RecordingMocks(account)
    pulumi.runtime.set_mocks(mocks, project="mcp-fleet", stack=stack, preview=False)
    pulumi.runtime.test(build)()
    return mocks
