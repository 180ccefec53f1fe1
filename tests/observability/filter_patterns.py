"""CloudWatch Logs JSON filter patterns, evaluated as the service documents them.

moto (5.2.5) stores metric filters but evaluates neither ``TestMetricFilter`` nor metric
filters on ``PutLogEvents``, and its own event filter understands only plain terms. This
module implements the JSON pattern syntax of the CloudWatch Logs user guide ("Filter pattern
syntax for metric filters: JSON"): ``{ SELECTOR OP VALUE }`` terms joined with ``&&`` and
``||`` (``&&`` binds tighter), parentheses, ``=``/``!=`` on strings (``*`` wildcards) and
numbers, ``<``/``>``/``<=``/``>=`` on numbers, ``IS TRUE|FALSE|NULL`` and ``NOT EXISTS``. A
term whose field is absent never matches, except ``NOT EXISTS``. Anything else is refused
with an error rather than guessed at, so a pattern outside this grammar fails the tests.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\)|\{|\})
      | (?P<selector>\$(?:\.[A-Za-z_@][A-Za-z0-9_@-]*|\[\d+\])+)
      | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
      | (?P<word>[A-Za-z_][A-Za-z0-9_.*-]*)
    )""",
    re.VERBOSE,
)
MISSING = object()


class PatternError(ValueError):
    """The pattern is not valid JSON filter pattern syntax (CloudWatch would refuse it)."""


def tokenize(pattern: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = pattern.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise PatternError(f"cannot read {text[position:]!r} in {pattern!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def select(document: Any, selector: str) -> Any:
    """``$.a.b[0]`` in a parsed JSON document; MISSING when any step is absent."""
    current = document
    for name, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", selector[1:]):
        if name:
            if not isinstance(current, Mapping) or name not in current:
                return MISSING
            current = current[name]
        else:
            position = int(index)
            if not isinstance(current, list) or position >= len(current):
                return MISSING
            current = current[position]
    return current


Predicate = Callable[[Any], bool]


@dataclass(frozen=True)
class JsonPattern:
    text: str
    predicate: Predicate
    selectors: tuple[str, ...]

    def matches(self, message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return isinstance(document, dict) and self.predicate(document)

    def extracted_values(self, message: str) -> dict[str, str]:
        document = json.loads(message)
        values = {}
        for selector in self.selectors:
            value = select(document, selector)
            if value is not MISSING:
                values[selector] = value if isinstance(value, str) else json.dumps(value)
        return values


def compile_pattern(pattern: str) -> JsonPattern:
    tokens = tokenize(pattern)
    if len(tokens) < 2 or tokens[0] != ("op", "{") or tokens[-1] != ("op", "}"):
        raise PatternError(f"a JSON filter pattern is written {{ ... }}: {pattern!r}")
    parser = _Parser(tokens[1:-1], pattern)
    predicate = parser.expression()
    if parser.position != len(parser.tokens):
        raise PatternError(f"unexpected {parser.tokens[parser.position][1]!r} in {pattern!r}")
    return JsonPattern(pattern, predicate, tuple(dict.fromkeys(parser.selectors)))


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], pattern: str) -> None:
        self.tokens, self.pattern, self.position = tokens, pattern, 0
        self.selectors: list[str] = []

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise PatternError(f"pattern ends too early: {self.pattern!r}")
        self.position += 1
        return token

    def expression(self) -> Predicate:
        alternatives = [self.conjunction()]
        while self.peek() == ("op", "||"):
            self.take()
            alternatives.append(self.conjunction())
        return lambda doc: any(p(doc) for p in alternatives)

    def conjunction(self) -> Predicate:
        terms = [self.term()]
        while self.peek() == ("op", "&&"):
            self.take()
            terms.append(self.term())
        return lambda doc: all(p(doc) for p in terms)

    def term(self) -> Predicate:
        kind, value = self.take()
        if (kind, value) == ("op", "("):
            inner = self.expression()
            if self.take() != ("op", ")"):
                raise PatternError(f"unbalanced parenthesis in {self.pattern!r}")
            return inner
        if kind != "selector":
            raise PatternError(f"expected a $.selector, found {value!r} in {self.pattern!r}")
        return self.comparison(value)

    def comparison(self, selector: str) -> Predicate:
        self.selectors.append(selector)
        kind, op = self.take()
        if kind == "word" and op == "IS":
            _, what = self.take()
            expected = {"TRUE": True, "FALSE": False, "NULL": None}.get(what, MISSING)
            if expected is MISSING:
                raise PatternError(f"IS {what} is not a filter pattern test")
            return lambda doc: select(doc, selector) is expected
        if kind == "word" and op == "NOT":
            if self.take() != ("word", "EXISTS"):
                raise PatternError(f"NOT must be followed by EXISTS in {self.pattern!r}")
            return lambda doc: select(doc, selector) is MISSING
        if kind != "op" or op not in ("=", "!=", "<", ">", "<=", ">="):
            raise PatternError(f"{op!r} is not a comparison in {self.pattern!r}")
        value_kind, raw = self.take()
        if value_kind == "number":
            return _numeric(selector, op, float(raw))
        if op not in ("=", "!="):
            raise PatternError(f"{op} compares numbers, not {raw!r}")
        if value_kind == "string":
            text = json.loads(raw)
        elif value_kind == "word":
            text = raw
        else:
            raise PatternError(f"{raw!r} is not a value in {self.pattern!r}")
        return _string(selector, op, text)


def _numeric(selector: str, op: str, number: float) -> Predicate:
    compare = {
        "=": lambda a: a == number,
        "!=": lambda a: a != number,
        "<": lambda a: a < number,
        ">": lambda a: a > number,
        "<=": lambda a: a <= number,
        ">=": lambda a: a >= number,
    }[op]

    def predicate(doc: Any) -> bool:
        value = select(doc, selector)
        return isinstance(value, int | float) and not isinstance(value, bool) and compare(value)

    return predicate


def _string(selector: str, op: str, expected: str) -> Predicate:
    def predicate(doc: Any) -> bool:
        value = select(doc, selector)
        if value is MISSING or not isinstance(value, str):
            return False
        equal = fnmatch.fnmatchcase(value, expected) if "*" in expected else value == expected
        return equal if op == "=" else not equal

    return predicate


def metric_value(transformation_value: str, message: str) -> float | None:
    """The number a match publishes: a literal like "1", or a selector's numeric value."""
    if not transformation_value.startswith("$"):
        return float(transformation_value)
    value = select(json.loads(message), transformation_value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def dimension_values(dimensions: Mapping[str, str], message: str) -> dict[str, str] | None:
    """Dimension name -> value of its selector; None when a field is absent (no datapoint)."""
    document = json.loads(message)
    values = {}
    for name, selector in dimensions.items():
        value = select(document, selector)
        if value is MISSING or value is None or isinstance(value, dict | list):
            return None
        values[name] = value if isinstance(value, str) else json.dumps(value)
    return values
