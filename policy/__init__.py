"""The mcp-fleet CrossGuard policy pack (see README.md; the CLI runs ``__main__.py``)."""
