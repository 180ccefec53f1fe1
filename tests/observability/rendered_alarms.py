"""Finding a server's alarms among built or rendered resources, the way a policy or the review
would: by tags."""

from __future__ import annotations

from typing import Any

from components.alarms import ALARM_KIND, ALARM_SEVERITY, RUNBOOK
from components.labels import FLEET_SERVER, SERVER
from review.render import RenderedStack
from tests.observability.cloudwatch_api import COMPOSITE_ALARM, METRIC_ALARM

Resource = dict[str, Any]
STACKS = ("dev", "staging", "prod")

WINDOW_KINDS = {f"burn-rate-{w}" for w in ("5m", "30m", "1h", "2h", "6h", "1d")}
NOTIFYING_KINDS = {
    "latency-p95",
    "error-rate-5xx",
    "saturation-cpu",
    "saturation-memory",
    "tool-success",
    "server-tool-success",
    "burn-rate-page",
    "burn-rate-ticket",
}
EVERY_KIND = NOTIFYING_KINDS | WINDOW_KINDS
FLEET_KINDS = {"error-rate-5xx", "unhealthy-targets"}
"""The load balancer's alarms, once per stack on the gateway's target group (server fleet)."""


def alarms(result: RenderedStack) -> list[Resource]:
    return [*result.of_type(METRIC_ALARM), *result.of_type(COMPOSITE_ALARM)]


def alarms_of(result: RenderedStack, server: str) -> dict[str, Resource]:
    """Alarm kind -> alarm, for the server's SLO alarms."""
    found = {}
    for alarm in alarms(result):
        tags = alarm["inputs"].get("tags") or {}
        if tags.get(SERVER) == server and ALARM_KIND in tags:
            kind = tags[ALARM_KIND]
            assert kind not in found, f"two {kind} alarms for {server}"
            found[kind] = alarm
    return found


def fleet_alarms(result: RenderedStack) -> dict[str, Resource]:
    """Alarm kind -> alarm, for the load balancer's alarms (other fleet alarms left out)."""
    return alarms_of_kinds(result, FLEET_SERVER, FLEET_KINDS)


def alarms_of_kinds(result: RenderedStack, server: str, kinds: set[str]) -> dict[str, Resource]:
    found = {}
    for alarm in alarms(result):
        tags = alarm["inputs"].get("tags") or {}
        if tags.get(SERVER) == server and tags.get(ALARM_KIND) in kinds:
            assert tags[ALARM_KIND] not in found, f"two {tags[ALARM_KIND]} alarms for {server}"
            found[tags[ALARM_KIND]] = alarm
    return found


def kind(alarm: Resource) -> str:
    return str(alarm["inputs"]["tags"][ALARM_KIND])


def severity(alarm: Resource) -> str:
    return str(alarm["inputs"]["tags"][ALARM_SEVERITY])


def runbook(alarm: Resource) -> str:
    return str(alarm["inputs"]["tags"][RUNBOOK])


def name(alarm: Resource) -> str:
    inputs = alarm["inputs"]
    return str(inputs.get("name") or inputs["alarmName"])
