"""Hypothesis strategies for what a person might put in a stack file or a catalog entry."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["prod", "eu-west-1", "0.0.0.0/0", "subnet-0a11aa11aa11aa111", "true", ""]),
)
"""Values of every YAML scalar kind, with the nasty ones (inf, NaN, 2**70, '') on purpose."""

values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=4),
    ),
    max_leaves=12,
)


def paths_in(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indexes) to a value inside ``document``."""
    found = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            found.extend(paths_in(value, (*prefix, key)))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found.extend(paths_in(value, (*prefix, index)))
    return found


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A deep copy of ``document`` with the value at ``path`` replaced (or removed if None)."""
    result = copy.deepcopy(document)
    target = result
    for part in path[:-1]:
        target = target[part]
    if value is None and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return result


extreme_numbers = st.one_of(
    st.sampled_from(
        [0, -1, 1, True, False, 1e-300, 0.5, 2**31, 2**63, 1e12, 1e308, float("inf"), float("nan")]
    ),
    st.floats(),
    st.integers(),
)
"""Numbers at and past every edge: zero, negatives, booleans, int32/int64, huge, inf, NaN."""


def _like(original: Any) -> st.SearchStrategy[Any]:
    """Values of the original's kind pushed to the edges, so a mutation reaches the checks
    behind the type check (bounds, arithmetic, cross-field rules) instead of stopping at it."""
    if isinstance(original, bool | int | float):
        return extreme_numbers
    if isinstance(original, str):
        return st.one_of(
            st.text(max_size=30),
            st.just(original.upper()),
            st.just(original + original),
            st.just(original * 40),
        )
    if isinstance(original, list):
        return st.one_of(
            st.just([]),
            st.just(original + original[:1]),  # a repeated item: duplicates
            st.lists(values, max_size=4),
        )
    return values


@st.composite
def mutations(draw: st.DrawFn, document: Any) -> Any:
    """``document`` with one to three values somewhere inside replaced: by one of the same
    kind pushed to an edge, by an arbitrary value, or removed."""
    result = document
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = paths_in(result)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        original: Any = result
        for part in path:
            original = original[part]
        replacement = draw(st.one_of(_like(original), _like(original), values, st.none()))
        result = replaced(result, path, replacement)
    return result


def number_paths(document: Any) -> list[tuple[Any, ...]]:
    """Paths to every number in ``document``: where bounds and arithmetic live."""
    found = []
    for path in paths_in(document):
        value: Any = document
        for part in path:
            value = value[part]
        if isinstance(value, int | float) and not isinstance(value, bool):
            found.append(path)
    return found


@st.composite
def number_edges(draw: st.DrawFn, document: Any) -> Any:
    """``document`` with one number replaced by one at or past an edge (inf, NaN, 2**63...)."""
    path = draw(st.sampled_from(number_paths(document)))
    return replaced(document, path, draw(extreme_numbers))
