"""A light depth-first walk over a LibCST tree, in source order, for a read-only visitor.

LibCST's own `visit` rebuilds every node on the way back up, which makes one walk cost as
much as the parse. Reading the children straight from each node's fields, and skipping the
whitespace and punctuation nodes no extractor looks at, costs a small fraction of it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Optional

import libcst as cst

# Fields that hold only whitespace, comments and punctuation.
_SKIPPED = frozenset({
    "lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after_decorators", "header", "footer",
    "colon", "equal", "dot", "operator", "lbracket", "rbracket", "lbrace", "rbrace", "asynchronous",
    "relative", "first_line", "empty_lines", "trailing_whitespace", "indent", "newline",
})
# Fields whose source order differs from their declaration order.
_ORDER = {
    cst.FunctionDef: ("decorators", "name", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
}

_Handlers = tuple[tuple[str, ...], Optional[Callable[[Any], Any]], Optional[Callable[[Any], Any]]]


def walk(module: cst.Module, visitor: object) -> None:
    """Call visitor.visit_<Node>(node) before and visitor.leave_<Node>(node) after each node's children."""
    cache: dict[type, _Handlers] = {}
    stack: list[tuple[cst.CSTNode, bool]] = [(module, False)]
    while stack:
        node, leaving = stack.pop()
        kind = type(node)
        handlers = cache.get(kind)
        if handlers is None:
            handlers = cache[kind] = _handlers(kind, visitor)
        fields, visit, leave = handlers
        if leaving:
            if leave is not None:
                leave(node)
            continue
        if visit is not None:
            visit(node)
        stack.append((node, True))
        children: list[cst.CSTNode] = []
        for name in fields:
            value = getattr(node, name)
            if isinstance(value, cst.CSTNode):
                children.append(value)
            elif isinstance(value, (tuple, list)):
                children.extend(item for item in value if isinstance(item, cst.CSTNode))
        stack.extend((child, False) for child in reversed(children))


def _handlers(kind: type, visitor: object) -> _Handlers:
    names = [field.name for field in dataclasses.fields(kind) if field.name not in _SKIPPED and not field.name.startswith("whitespace")]
    order = _ORDER.get(kind)
    if order is not None:
        names = [name for name in order if name in names] + [name for name in names if name not in order]
    return (
        tuple(names),
        getattr(visitor, f"visit_{kind.__name__}", None),
        getattr(visitor, f"leave_{kind.__name__}", None),
    )
