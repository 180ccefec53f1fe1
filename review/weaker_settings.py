"""What the call-outs know about settings: which value is the safe one, which loses data.

Read by ``review/callouts.py``. Per-type knowledge (what a replacement loses, which types are
security controls) comes from ``policy/resource_types.py``; the settings below are named by
the last segment of their input path, whatever the resource type.
"""

from __future__ import annotations

from typing import Any

from policy import contract
from policy import resource_types as types
from policy.resource_types import RESOURCE_TYPES

STATEFUL_TYPES = {
    token: known.lost_on_replace for token, known in RESOURCE_TYPES.items() if known.lost_on_replace
}
"""Types whose replacement or deletion destroys data: what is lost (policy/resource_types.py)."""

SECURITY_CONTROL_TYPES = {
    token: known.security_control
    for token, known in RESOURCE_TYPES.items()
    if known.security_control
}
"""Types that are a security control: the control a deletion removes."""

SAFE_SETTINGS: dict[str, Any] = {
    # setting (last path segment) -> the value that is the safe one
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
    "objectLockEnabled": True,
    "forceDestroy": False,
    "enableKeyRotation": True,
    "enableDeletionProtection": True,
    "deletionProtectionEnabled": True,
    "dropInvalidHeaderFields": True,
    "bucketKeyEnabled": True,
    "runAsNonRoot": True,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "privileged": False,
    "hostNetwork": False,
    "hostPID": False,
    "hostIPC": False,
    "automountServiceAccountToken": False,
}

UNSET_MEANS: dict[str, Any] = {
    # where the provider's default is known, an unset setting is that default
    "forceDestroy": False,
    "privileged": False,
    "hostNetwork": False,
    "hostPID": False,
    "hostIPC": False,
}

RETENTION_SETTINGS = (
    "retentionInDays",
    "deletionWindowInDays",
    "noncurrentDays",
    "days",
    "years",
)
"""Numbers whose decrease keeps data (logs, backups, key recovery time) for less time."""

SLO_LABELS = {
    contract.SLO_SUCCESS_RATE: ("success-rate objective", -1),
    contract.SLO_P95_MS: ("p95 latency objective (ms)", +1),
}
"""label -> (what it is, the direction that loosens it)."""

ALARM_TYPES = types.ALARMS
