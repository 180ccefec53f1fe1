"""Reading an Argo Rollouts analysis limit back out of its ``successCondition``.

``delivery/analysis.py`` writes every check as ``all(result[0].Values, {# <= LIMIT})``: every
point CloudWatch returns at or below the limit. The pack judges that limit against the SLO
(``rules/rollout_analysis_within_slo.py``) and the review prints it in the release's rollout
plan, so both read it here. Standard library only, so the pack can run on its own.
"""

from __future__ import annotations

import re
from typing import Any

_CONDITION = re.compile(r"^all\(result\[0\]\.Values,\s*\{#\s*<=\s*([0-9.eE+-]+)\}\)$")


def limit_of(condition: Any) -> float | None:
    """The number in ``all(result[0].Values, {# <= N})``; None for any other condition."""
    if not isinstance(condition, str):
        return None
    match = _CONDITION.match(condition.strip())
    if not match:
        return None
    try:
        return float(match.group(1))
    except ValueError:
        return None
