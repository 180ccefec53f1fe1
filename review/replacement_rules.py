"""Which property changes make Pulumi replace a resource instead of updating it in place.

The review has no provider plugin, so it cannot ask the provider's Diff. It follows the
providers' own published rules where they are known and says "changed" everywhere else,
never guessing a replacement:

- pulumi-kubernetes computes replacements from a fixed table in the provider,
  ``provider/pkg/provider/diff.go`` (``forceNewProperties``): ``.metadata.name`` and
  ``.metadata.namespace`` for every kind, plus a per-kind list.
- pulumi-aws is bridged from the Terraform AWS provider; a property marked ``ForceNew`` in
  the upstream schema (``hashicorp/terraform-provider-aws``, ``internal/service/...``)
  forces a replacement. The pulumi_aws Python package ships no schema, so the properties
  this program uses are listed by hand with the upstream file they come from.
- A resource's own ``replaceOnChanges`` option forces a replacement for its paths.

Both tables live with the rest of each type's knowledge in ``policy/resource_types.py``
(``replaced_when``, ``replacement_source``). Paths are the engine's camelCase input paths,
dot-separated, with ``[*]`` for any list item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policy.resource_types import (
    K8S_DIFF_GO,
    KUBERNETES_EVERY_KIND_REPLACED_WHEN,
    knowledge_of,
)


@dataclass(frozen=True)
class ReplacementRule:
    path: str
    source: str


REPLACE_ON_CHANGES_OPTION = "the resource's replaceOnChanges option"

_LIST_INDEX = re.compile(r"\[[^\]]*\]")


def normalize(path: str) -> str:
    """``spec.containers[mcp-server].image`` -> ``spec.containers[*].image``."""
    return _LIST_INDEX.sub("[*]", path)


def covers(rule: str, path: str) -> bool:
    """A change at ``path`` touches ``rule`` when one contains the other."""
    rule, path = normalize(rule), normalize(path)
    if rule == path or rule == "*":
        return True
    return path.startswith((rule + ".", rule + "[")) or rule.startswith((path + ".", path + "["))


def rules_for(type_token: str) -> tuple[ReplacementRule, ...]:
    """The provider's known force-new paths of a type, each with where the rule comes from."""
    known = knowledge_of(type_token)
    rules = tuple(ReplacementRule(path, known.replacement_source) for path in known.replaced_when)
    if type_token.startswith("kubernetes:"):
        every_kind = tuple(
            ReplacementRule(path, K8S_DIFF_GO) for path in KUBERNETES_EVERY_KIND_REPLACED_WHEN
        )
        return every_kind + rules
    return rules


def replacement_rule(
    type_token: str, path: str, replace_on_changes: tuple[str, ...] = ()
) -> ReplacementRule | None:
    """The known rule by which a change at ``path`` replaces the resource, if there is one."""
    for declared in replace_on_changes:
        if covers(declared, path):
            return ReplacementRule(declared, REPLACE_ON_CHANGES_OPTION)
    for rule in rules_for(type_token):
        if covers(rule.path, path):
            return rule
    return None
