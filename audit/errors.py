"""Audit failures, as the ops errors they are, so every ``python -m ops`` command reports
them with one line and the same exit codes (2 bad input, 1 archive or AWS failure)."""

from __future__ import annotations

from ops.errors import StorageError, UsageError


class AuditInputError(UsageError):
    """An input line or argument is not a valid audit event: names the file, line and field."""


class ArchiveError(StorageError):
    """The archive cannot be written or read: no Object Lock, an unreadable object, ..."""
