"""The review as JSON: the shape ``docs/review.md`` documents, for machines and CI."""

from __future__ import annotations

import json
from typing import Any

from review.model import Review

_NOT_IN_JSON: dict[str, Any] = {
    "policy_run": True,
    "exports": True,
    "servers": {"__all__": {"route"}},
}
"""Kept in the model for the text report; the JSON holds to the documented fields."""


def review_document(review: Review) -> dict[str, object]:
    """``{"project", "stack", "resources", "summary", "servers", "policy"}``."""
    exclude: dict[str, Any] = dict(_NOT_IN_JSON)
    if review.changes is None:
        exclude["changes"] = True  # only a review against a base revision has changes
    return review.model_dump(mode="json", exclude=exclude)


def render_json(review: Review) -> str:
    return json.dumps(review_document(review), indent=2, sort_keys=False) + "\n"
