"""Resource attribute keys every span and metric of the fleet carries, named once.

``service.name``, ``service.version`` and ``deployment.environment.name`` are OpenTelemetry
semantic conventions that X-Ray and CloudWatch already understand. ``tenant`` has no
convention; it is spelled like the audit record's field and the ``mcp-fleet.io/tenant``
label's last part, so one word finds a tenant in traces, metrics and the audit trail.
"""

from __future__ import annotations

from typing import Final

SERVICE_NAME: Final = "service.name"
"""The catalog server's name (``github``), or ``gateway``."""
SERVICE_VERSION: Final = "service.version"
"""The catalog entry's version the pod runs."""
ENVIRONMENT: Final = "deployment.environment.name"
"""``dev``, ``staging`` or ``prod``: set by the server and enforced again by the collector."""
TENANT: Final = "tenant"
"""Whose traffic it is: ``shared`` for the gateway and fleet-wide servers."""
CLUSTER: Final = "k8s.cluster.name"
"""Which EKS cluster's collector received it: added by the collector."""
