"""Stack settings: validated once, at the edge, from the stack file the engine hands us."""

from stacks.capacity import CapacityInputs, CapacityPlan, plan_capacity
from stacks.environment import Environment
from stacks.errors import SettingsError
from stacks.fleet_plan import EffectiveSlo, PlannedServer, Settings
from stacks.load import load, load_settings

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
