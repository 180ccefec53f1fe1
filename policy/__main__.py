"""The mcp-fleet policy pack: this file only builds it (policies live in the modules beside it).

The Pulumi CLI runs it as ``python -u -m pulumi.policy ENGINE_ADDRESS .`` from this
directory (see README.md), so the modules are imported as top-level modules here.
"""

from pulumi_policy import PolicyPack

try:
    from . import baseline_policies, catalog_policies, slo_policies
except ImportError:  # run by the Pulumi CLI: this directory is on sys.path
    import baseline_policies  # type: ignore[no-redef]
    import catalog_policies  # type: ignore[no-redef]
    import slo_policies  # type: ignore[no-redef]

PolicyPack(
    name="mcp-fleet",
    policies=[*catalog_policies.POLICIES, *slo_policies.POLICIES, *baseline_policies.POLICIES],
)
