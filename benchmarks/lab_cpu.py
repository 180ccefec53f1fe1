"""CPU seconds the lab's processes spent, by role: the ALB stand-in, the gateway replicas
(both HAProxy) and the server replicas.

On a shared machine wall-clock latency swings with everyone else's load, while the CPU a
process spends per call barely moves: it is the steadier measure of what the gateway costs.
Read from ``/proc/PID/stat`` (utime + stime), so only processes of this machine's lab count.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from lab.processes import is_running
from lab.state import StartedProcess

ALB = "alb"
GATEWAY = "gateway"
SERVERS = "servers"
ROLES = (ALB, GATEWAY, SERVERS)
# /proc/PID/stat fields 14 and 15 (utime, stime), counted from field 3, the first after "(comm)"
UTIME_AFTER_COMM = 11
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def role_of(process: StartedProcess) -> str:
    """The lab names its HAProxy processes ``alb``, ``gw0``, ``gw1``; the rest are servers."""
    if process.name == "alb":
        return ALB
    return GATEWAY if process.name.startswith("gw") else SERVERS


def _seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[UTIME_AFTER_COMM]) + int(fields[UTIME_AFTER_COMM + 1])) / CLOCK_TICKS


def cpu_seconds(processes: Sequence[StartedProcess]) -> dict[str, float]:
    """CPU seconds so far of every running process of the lab, summed by role."""
    spent = dict.fromkeys(ROLES, 0.0)
    for process in processes:
        if is_running(process):
            spent[role_of(process)] += _seconds(process.pid)
    return spent


def spent_since(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {role: after.get(role, 0.0) - before.get(role, 0.0) for role in ROLES}
