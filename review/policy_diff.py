"""Policy results at base against the working tree: what a change breaks and what it fixes.

A diagnostic is identified by (policy, resource URN, message): the same violation on the
same resource is "still there", anything else is new or fixed. The base revision's own pack
judges the base render, so a pull request that changes a policy shows that effect too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class PolicyFinding:
    policy: str
    urn: str
    message: str
    enforcement: str = "advisory"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.policy, self.urn, self.message)

    @property
    def blocking(self) -> bool:
        return self.enforcement in ("mandatory", "remediate")

    @property
    def resource_name(self) -> str:
        return self.urn.rsplit("::", 1)[-1] if self.urn else "(stack)"


@dataclass(frozen=True)
class PolicyDiff:
    new: tuple[PolicyFinding, ...]
    fixed: tuple[PolicyFinding, ...]
    still: tuple[PolicyFinding, ...]
    base_available: bool = True
    """False when the base revision had no policy pack: its results count as none."""

    @property
    def changed(self) -> bool:
        return bool(self.new or self.fixed)


def _field(diagnostic: Any, *names: str) -> Any:
    for name in names:
        if isinstance(diagnostic, Mapping) and name in diagnostic:
            return diagnostic[name]
        if hasattr(diagnostic, name):
            return getattr(diagnostic, name)
    return None


def finding(diagnostic: Any) -> PolicyFinding:
    """A diagnostic from review.analyze (object or dict, either spelling) as a finding."""
    enforcement = _field(diagnostic, "enforcement_level", "enforcementLevel", "enforcement")
    enforcement = getattr(enforcement, "value", enforcement)
    return PolicyFinding(
        policy=str(_field(diagnostic, "policy_name", "policyName", "policy") or "?"),
        urn=str(_field(diagnostic, "urn") or ""),
        message=str(_field(diagnostic, "message", "description") or "").strip(),
        enforcement=str(enforcement or "advisory").lower(),
    )


def policy_diff(
    base: Iterable[Any] | None, head: Iterable[Any], urn_renames: Mapping[str, str] | None = None
) -> PolicyDiff:
    """Compare diagnostics; ``base`` None means the base revision had no policy pack.

    ``urn_renames`` maps base URNs to head URNs for resources matched through an alias, so
    an unchanged violation on a renamed resource is not reported as fixed and new.
    """
    renames = dict(urn_renames or {})
    before = {}
    for item in base or ():
        f = finding(item)
        if f.urn in renames:
            f = PolicyFinding(f.policy, renames[f.urn], f.message, f.enforcement)
        before[f.key] = f
    after = {f.key: f for f in map(finding, head)}
    return PolicyDiff(
        new=tuple(sorted(after[k] for k in after.keys() - before.keys())),
        fixed=tuple(sorted(before[k] for k in before.keys() - after.keys())),
        still=tuple(sorted(after[k] for k in after.keys() & before.keys())),
        base_available=base is not None,
    )
