"""The one error a user sees when a stack file or the catalog is wrong."""

from __future__ import annotations

import pulumi


class SettingsError(pulumi.RunError):
    """Bad stack settings or catalog data.

    Subclassing ``pulumi.RunError`` makes ``pulumi up`` print only the message, never a
    traceback; the offline review catches it and exits 2.
    """
