"""OpenTelemetry for the fleet: the collector's configuration and the servers' ``OTEL_*`` environment.

Pure functions only (no Pulumi, no I/O), so the component that deploys the collector, the
fleet that sets the servers' environment and the tests all build the same values.
"""
