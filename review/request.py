"""What one review is asked to do, and which stacks a project has: cheap to import.

Kept apart from ``review.pipeline`` (which imports the SDK's protobufs, the settings models and
botocore) so that the command line can name its requests and look the finished report up in
the review cache before it imports any of that: a cached re-review pays for none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from policy.contract import STAGES
from review.render import PROJECT_DIR

STAGE_ORDER = STAGES
"""Stacks named like the stages come first, in promotion order (the contract's order)."""


@dataclass(frozen=True)
class ReviewRequest:
    stack: str
    project_dir: Path = PROJECT_DIR
    config_file: Path | None = None
    """A stack file to use instead of ``Pulumi.<stack>.yaml`` in the project."""
    pack_dir: Path | None = None
    """The policy pack; ``policy/`` in the project when not given."""
    policy_config_file: Path | None = None
    """The pack's config; ``<pack>/config/<stack>.json`` when not given."""
    check_policy: bool = True

    @property
    def pack(self) -> Path:
        return self.pack_dir or self.project_dir / "policy"

    @property
    def policy_config(self) -> Path:
        return self.policy_config_file or self.pack / "config" / f"{self.stack}.json"


def project_stacks(project_dir: Path) -> list[str]:
    """Every stack with a ``Pulumi.<stack>.yaml``: dev, staging, prod first, then the rest."""
    names = [
        p.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for p in project_dir.glob("Pulumi.*.yaml")
    ]
    return sorted(
        names, key=lambda s: (STAGE_ORDER.index(s) if s in STAGE_ORDER else len(STAGE_ORDER), s)
    )
