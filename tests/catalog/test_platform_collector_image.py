"""The collector's image is a signed platform entry, like the gateway's, never a stack server."""

from __future__ import annotations

from catalog import load_catalog
from catalog.platform_image import load_platform_entry
from catalog.signing import verify_catalog


def test_the_collector_entry_is_pinned_signed_shared_and_not_a_stack_server() -> None:
    entry = load_platform_entry("otel-collector")
    assert entry.image.startswith("public.ecr.aws/aws-observability/aws-otel-collector@sha256:")
    assert entry.tenants == ("shared",)
    assert [stage.value for stage in entry.stages] == ["dev", "staging", "prod"]
    assert verify_catalog({"otel-collector": entry})
    assert "otel-collector" not in load_catalog()
