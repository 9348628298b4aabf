"""Where nodes are, from one code generation pass that records token indexes only.

LibCST's PositionProvider computes a CodeRange object for every node while generating the
module's code (on the timm sources it costs four times the parse). Recording two token indexes
per node that has a syntactic position, and turning indexes into lines and columns in one pass
over the tokens, gives the same positions at the cost of generating the code. Nodes without a
syntactic position of their own (whitespace, brackets) fall back to PositionProvider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import MetadataWrapper, PositionProvider


class _Span:
    """Context manager LibCST enters around each node's syntactic part (a class: cheaper than a generator)."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state: "_SpanRecordingState", node: cst.CSTNode, start_node: Any, end_node: Any) -> None:
        self.state = state
        self.node = node
        self.start_node = start_node
        self.end_node = end_node
        self.start = 0

    def __enter__(self) -> None:
        self.start = len(self.state.tokens)

    def __exit__(self, *exc_info: object) -> bool:
        spans = self.state.spans
        start, end = self.start, len(self.state.tokens)
        if self.start_node is not None:
            start = spans.get(self.start_node, (start, end))[0]
        if self.end_node is not None:
            end = spans.get(self.end_node, (start, end))[1]
        spans[self.node] = (start, end)
        return False


@dataclass(frozen=False)
class _SpanRecordingState(CodegenState):
    spans: dict[cst.CSTNode, tuple[int, int]] = field(default_factory=dict)

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> _Span:
        return _Span(self, node, start_node, end_node)


class Positions:
    """1-based line and 0-based column of the nodes of a module, like PositionProvider."""

    def __init__(self, module: cst.Module) -> None:
        self._module = module
        state = _SpanRecordingState(default_indent=module.default_indent, default_newline=module.default_newline)
        module._codegen(state)
        self._spans = state.spans
        lines, columns = [1], [0]
        line, column = 1, 0
        for token in state.tokens:
            newlines = token.count("\n")
            if newlines:
                line += newlines
                column = len(token) - token.rfind("\n") - 1
            else:
                column += len(token)
            lines.append(line)
            columns.append(column)
        self._lines = lines
        self._columns = columns
        self._fallback: Any = None

    def range(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        """(start line, start column, end line, end column)."""
        span = self._spans.get(node)
        if span is None:
            if self._fallback is None:
                self._fallback = MetadataWrapper(self._module, unsafe_skip_copy=True).resolve(PositionProvider)
            code_range = self._fallback[node]
            return code_range.start.line, code_range.start.column, code_range.end.line, code_range.end.column
        start, end = span
        return self._lines[start], self._columns[start], self._lines[end], self._columns[end]
