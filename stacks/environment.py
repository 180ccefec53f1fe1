"""The deployment stages a stack can be, in promotion order."""

from __future__ import annotations

from enum import StrEnum


class Environment(StrEnum):
    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"

    @property
    def is_production_like(self) -> bool:
        """Staging rehearses prod, so both page, keep audit trails and enforce policy."""
        return self is not Environment.DEV
