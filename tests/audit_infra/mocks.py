"""Pulumi's mock runtime for the audit and collector components: a fresh recorder per test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi

from review.mocks import FleetMocks
from review.render_worker import clean

REGION = "eu-west-1"
ACCOUNT = "111122223333"


class RecordingMocks(FleetMocks):
    def __init__(self, account: str = ACCOUNT) -> None:
        super().__init__(region=REGION, account_id=account)
        self.created: list[pulumi.runtime.MockResourceArgs] = []
        self.ids: dict[str, str] = {}
        """Logical name -> the id the mock answered (a bucket's name, a key's id)."""
        self.outputs: dict[str, dict[str, Any]] = {}
        """Logical name -> the outputs the mock answered (ARNs)."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.created.append(args)
        rid, outputs = super().new_resource(args)
        self.ids[args.name], self.outputs[args.name] = rid, outputs
        return rid, outputs

    def of_type(self, typ: str) -> list[dict[str, Any]]:
        """Inputs as the review sees them, plus ``__name`` (the logical name)."""
        return [clean(dict(r.inputs)) | {"__name": r.name} for r in self.created if r.typ == typ]

    def one(self, typ: str, name_suffix: str = "") -> dict[str, Any]:
        found = [r for r in self.of_type(typ) if r["__name"].endswith(name_suffix)]
        assert len(found) == 1, f"{len(found)} {typ} ending {name_suffix!r}"
        return found[0]

    def resource(self, name: str) -> pulumi.runtime.MockResourceArgs:
        (found,) = [r for r in self.created if r.name == name]
        return found


def _fresh_root() -> None:
    """Forget the root stack resource so ``set_mocks`` makes one on this test's event loop.

    ``set_mocks`` keeps the process's first root stack; one made by a test whose loop never
    ran (a refusal before any resource) has a URN that no later loop can await, and every
    later render in the same process fails with "await wasn't used with future".
    """
    pulumi.runtime.settings.ROOT.set(None)


def render(build: Callable[[], Any], account: str = ACCOUNT) -> RecordingMocks:
    """Run ``build`` under fresh mocks; whatever Output it returns is awaited."""
    mocks = RecordingMocks(account)
    _fresh_root()
    pulumi.runtime.set_mocks(mocks, project="mcp-fleet", stack="prod", preview=False)
    pulumi.runtime.test(build)()
    return mocks


def refused(build: Callable[[], Any]) -> tuple[str, RecordingMocks]:
    """The ValueError ``build`` raises under fresh mocks, and what it created first (nothing,
    if it validates before creating anything). The root is forgotten again afterwards."""
    mocks = RecordingMocks()
    _fresh_root()
    pulumi.runtime.set_mocks(mocks, project="mcp-fleet", stack="prod", preview=False)
    try:
        build()
    except ValueError as error:
        return str(error), mocks
    finally:
        _fresh_root()
    raise AssertionError("no ValueError was raised")
