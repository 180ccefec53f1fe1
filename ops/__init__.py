"""Operator tools for mcp-fleet: backup, restore and disaster-recovery drills (``python -m ops``)."""

__version__ = "0.1.0"
