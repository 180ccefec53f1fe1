"""AWS resources read by concept: the tags AWS will put on them, whether they take tags."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from . import contract
from .reads import UNKNOWN, get, is_unknown, string_map
from .resource_types import TAGGABLE_AWS_TYPES


def provider_default_tags(provider: Any) -> dict[str, Any]:
    """``defaultTags.tags`` of the resource's AWS provider (provider config may be JSON text)."""
    if provider is None:
        return {}
    default_tags = get(getattr(provider, "props", None), "defaultTags")
    if isinstance(default_tags, str) and not is_unknown(default_tags):
        try:
            default_tags = json.loads(default_tags)
        except ValueError:
            return {}
    return string_map(get(default_tags, "tags", default={}))


def tags_of(props: Any, provider: Any = None) -> dict[str, Any]:
    """The tags AWS will put on a resource: the provider's default tags, then its own."""
    tags = provider_default_tags(provider)
    own = get(props, "tags")
    if is_unknown(own):
        return {**tags, **{key: UNKNOWN for key in contract.REQUIRED_KEYS if key not in tags}}
    tags.update(string_map(own))
    return tags


def is_taggable_aws(resource_type: str, props: Any) -> bool:
    """A type the registry marks taggable, or any AWS resource whose inputs hold ``tags``."""
    if not resource_type.startswith("aws:") or resource_type.startswith("pulumi:providers:"):
        return False
    if resource_type in TAGGABLE_AWS_TYPES:
        return True
    return isinstance(props, Mapping) and "tags" in props
