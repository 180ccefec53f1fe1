"""The archive's defaults, apart from the archive code so ``python -m ops`` can show them
in its option help without importing pydantic and boto3 at startup."""

from __future__ import annotations

DEFAULT_PREFIX = "audit"
DEFAULT_BATCH_SIZE = 10_000
DEFAULT_RETENTION_YEARS = 7
"""Until the stack settings carry the audit retention (next session): a common regulatory
floor for audit records (e.g. SOX); prod may only raise it."""
