"""Facts of bounded depth: an expression nested deeper than the join and the rules can follow becomes Unknown.

A 700-term sum or a 1,000-deep conditional expression is valid Python, and the extractor turns
it into an expression as deep. The cache's JSON decoder, the join and the rules all recurse
over expressions, in hplint's own process, under Python's default recursion limit; so a fact is
cut at a depth no real hyperparameter reaches, the cut part being Unknown with its reason.
"""

from __future__ import annotations

import dataclasses
from typing import Any

MAX_FACT_DEPTH = 100  # dataclass and tuple levels inside one fact


def bounded(facts: list[Any]) -> list[Any]:
    """The facts, each cut at MAX_FACT_DEPTH; the same objects when none is that deep (the usual case)."""
    if all(_depth_at_most(fact, MAX_FACT_DEPTH) for fact in facts):
        return facts
    return [_cut(fact, 0) for fact in facts]


def _depth_at_most(value: Any, limit: int) -> bool:
    stack = [(value, 0)]
    fields_of = _FIELDS
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind is tuple:
            if depth >= limit:
                return False
            stack.extend((child, depth + 1) for child in item)
            continue
        names = fields_of.get(kind)
        if names is None:
            names = fields_of[kind] = _field_names(kind)
        if names:
            if depth >= limit:
                return False
            stack.extend((getattr(item, name), depth + 1) for name in names)
    return True


def _field_names(kind: type) -> tuple[str, ...]:
    """The fields that may hold other facts; () for leaves (scalars, locations)."""
    from hplint.location import Location

    if kind is Location or not dataclasses.is_dataclass(kind):
        return ()
    return tuple(field.name for field in dataclasses.fields(kind))


_FIELDS: dict[type, tuple[str, ...]] = {}


def _cut(value: Any, depth: int) -> Any:
    if type(value) is tuple:
        items = tuple(_cut(item, depth + 1) for item in value)
        return value if all(new is old for new, old in zip(items, value)) else items
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    if depth >= MAX_FACT_DEPTH and _is_expression(value):
        from hplint.facts import Unknown

        return Unknown("an expression nested too deeply to follow", getattr(value, "location"))  # noqa: B009 - every Expr has one
    changed = {}
    for field in dataclasses.fields(value):
        old = getattr(value, field.name)
        new = _cut(old, depth + 1)
        if new is not old:
            changed[field.name] = new
    return dataclasses.replace(value, **changed) if changed else value


def _is_expression(value: Any) -> bool:
    from hplint.facts import Expr

    return isinstance(value, Expr.__args__)  # type: ignore[attr-defined]
