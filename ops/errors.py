"""Errors an operator can meet, each ending in one clear message and a known exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_OBJECTIVE_MISSED = 3
EXIT_DRILL_MISMATCH = 4


class OpsError(Exception):
    """A failure with a message fit for an operator; the CLI prints it without a traceback."""

    exit_code = EXIT_FAILURE


class UsageError(OpsError):
    """Bad input: a missing source, a malformed URL, a config directory that does not exist."""

    exit_code = EXIT_USAGE


class SourceError(OpsError):
    """A source (PostgreSQL, Redis, config directory) could not be read."""


class StorageError(OpsError):
    """S3 or CloudWatch refused or could not be reached."""


class ChecksumError(OpsError):
    """A downloaded object does not match its manifest: nothing was restored."""


class NoBackupError(OpsError):
    """No complete backup exists at or before the requested time."""


class RestoreError(OpsError):
    """A target could not be restored."""
