"""Where nodes are, from one code generation pass that records token indexes only.

LibCST's PositionProvider computes a CodeRange object for every node while generating the
module's code (on the timm sources it costs four times the parse). Recording two token indexes
per node and turning indexes into lines and columns in one pass over the tokens gives the same
positions at about the cost of generating the code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst
from libcst._nodes.internal import CodegenState


@dataclass(frozen=False)
class _SpanRecordingState(CodegenState):
    spans: dict[cst.CSTNode, tuple[int, int]] = field(default_factory=dict)
    starts: list[int] = field(default_factory=list)

    # Whitespace-inclusive span of every node (what PositionProvider falls back to).
    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts.append(len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.starts.pop()
        if node not in self.spans:
            self.spans[node] = (start, len(self.tokens))

    # The syntactic span, without the whitespace a node owns (what PositionProvider reports).
    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        start = len(self.tokens)
        try:
            yield
        finally:
            spans = self.spans
            spans[node] = (
                spans[start_node][0] if start_node is not None else start,
                spans[end_node][1] if end_node is not None else len(self.tokens),
            )


class Positions:
    """1-based line and 0-based column of every node of a module, like PositionProvider."""

    def __init__(self, module: cst.Module) -> None:
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

    def range(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        """(start line, start column, end line, end column)."""
        start, end = self._spans[node]
        return self._lines[start], self._columns[start], self._lines[end], self._columns[end]
