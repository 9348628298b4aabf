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


class _HandlerTable(dict):  # type -> _Handlers, or None for values not worth entering
    def __init__(self, visitor: object) -> None:
        super().__init__()
        self.visitor = visitor

    def __missing__(self, kind: type) -> Optional[_Handlers]:
        handlers = _handlers(kind, self.visitor) if issubclass(kind, cst.CSTNode) else None
        if handlers is not None and not any(handlers):
            handlers = None  # a leaf no extractor looks at (a name, a number, an operator)
        self[kind] = handlers
        return handlers


def walk(module: cst.Module, visitor: object) -> None:
    """Call visitor.visit_<Node>(node) before and visitor.leave_<Node>(node) after each node's children.

    As in LibCST, a visit that returns False skips the node's children (not its leave).
    """
    table = _HandlerTable(visitor)
    stack: list[tuple[cst.CSTNode, Optional[_Handlers], bool]] = [(module, table[type(module)], False)]
    while stack:
        node, handlers, leaving = stack.pop()
        fields, visit, leave = handlers  # type: ignore[misc]
        if leaving:
            leave(node)  # type: ignore[misc]
            continue
        if leave is not None:
            stack.append((node, handlers, True))
        if visit is not None and visit(node) is False:
            continue
        children: list[tuple[cst.CSTNode, Optional[_Handlers], bool]] = []
        for name in fields:
            value = getattr(node, name)
            value_type = type(value)
            if value_type is tuple or value_type is list:
                for item in value:
                    item_handlers = table[type(item)]
                    if item_handlers is not None:
                        children.append((item, item_handlers, False))
            else:
                value_handlers = table[value_type]
                if value_handlers is not None:
                    children.append((value, value_handlers, False))
        children.reverse()
        stack.extend(children)


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
