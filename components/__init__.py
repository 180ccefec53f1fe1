"""Pulumi component resources, one per concern; ``Platform`` composes them per environment."""
