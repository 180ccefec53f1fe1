"""Content fingerprints a drill compares between a source and its restored copy."""
