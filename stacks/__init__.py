"""Stack settings: validated once, at the edge, from the stack file the engine hands us.

The names below load lazily: ``catalog`` needs ``stacks.environment`` and ``stacks`` needs
the catalog, so an eager package import would be circular.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stacks.capacity import CapacityInputs, CapacityPlan, plan_capacity
    from stacks.environment import Environment
    from stacks.errors import SettingsError
    from stacks.fleet_plan import EffectiveSlo, PlannedServer, Settings
    from stacks.loader import load, load_settings

_HOMES = {
    "CapacityInputs": "stacks.capacity",
    "CapacityPlan": "stacks.capacity",
    "plan_capacity": "stacks.capacity",
    "Environment": "stacks.environment",
    "SettingsError": "stacks.errors",
    "EffectiveSlo": "stacks.fleet_plan",
    "PlannedServer": "stacks.fleet_plan",
    "Settings": "stacks.fleet_plan",
    "load": "stacks.loader",
    "load_settings": "stacks.loader",
}

__all__ = [
    "CapacityInputs",
    "CapacityPlan",
    "EffectiveSlo",
    "Environment",
    "PlannedServer",
    "Settings",
    "SettingsError",
    "load",
    "load_settings",
    "plan_capacity",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'stacks' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
