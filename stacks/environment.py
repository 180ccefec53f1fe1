"""The deployment stages a stack can be, in promotion order.

The stage names themselves are the contract's (``policy.contract.STAGES``), shared with the
policy pack and the review; this enum gives the program a typed handle on the same strings.
"""

from __future__ import annotations

from enum import StrEnum

from policy.contract import STAGES


class Environment(StrEnum):
    DEV = STAGES[0]
    STAGING = STAGES[1]
    PROD = STAGES[2]

    @property
    def is_production_like(self) -> bool:
        """Staging rehearses prod, so both page, keep audit trails and enforce policy."""
        return self is not Environment.DEV


if tuple(Environment) != STAGES:  # a fourth stage in the contract needs a member here too
    raise ImportError(f"stacks.Environment {tuple(Environment)} differs from contract {STAGES}")
