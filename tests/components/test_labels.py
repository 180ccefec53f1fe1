"""The one tag and label builder, and the hand-made tags the component tests use agree."""

from __future__ import annotations

from components.labels import REQUIRED_KEYS, Fleet, kubernetes_labels, standard_tags
from tests.components.factories import fleet_tags, planned_server, server_labels, server_tags

FLEET = Fleet(
    project="mcp-fleet", environment="prod", owner="platform", slo_success_rate=99.0,
    slo_p95_ms=400,
)  # fmt: skip


def test_fleet_wide_tags_carry_the_stack_defaults_and_every_required_key() -> None:
    tags = standard_tags(FLEET)
    assert tags == fleet_tags("prod")
    assert set(REQUIRED_KEYS) <= set(tags)


def test_a_servers_tags_and_labels_carry_its_own_identity_and_slo() -> None:
    server = planned_server("search", success_rate=99.95, p95_latency_ms=250, tier="tier-1")
    assert standard_tags(FLEET, server) == server_tags(server)
    assert standard_tags(FLEET, server)["mcp-fleet.io/slo-success-rate"] == "99.95"
    assert kubernetes_labels(FLEET, server) == server_labels(server)
    assert kubernetes_labels(FLEET)["app.kubernetes.io/name"] == "fleet"
    whole = planned_server("tickets", success_rate=99.0)
    assert standard_tags(FLEET, whole) == server_tags(whole)
