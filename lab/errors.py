"""The one error a lab user sees: a message saying what is wrong and what to do."""

from __future__ import annotations


class LabError(Exception):
    """A mistake or failure the lab explains in one line and exits 2 for, without traceback."""
