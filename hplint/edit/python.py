"""Python edits, made with LibCST on a file's (or a notebook cell's) text, so that its formatting and
comments survive. Every fix names the node it edits by the span its facts recorded; an edit whose
node is not there, or not in the shape the fix expects, is not made. The kinds are Fix's
(`hplint/diagnostics.py`).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from hplint.diagnostics import Fix
from hplint.edit.comments import edit_line

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# Expressions that bind at least as tightly as the call they replace: no parentheses needed.
_PRIMARY = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.SimpleString)
_NODE_KINDS = frozenset({
    "unwrap-call", "unwrap-method", "drop-argument", "rename-call", "insert-call-at-top", "insert-call-before",
    "wrap-in-with",
})
Span = tuple[int, int, int, int]


def apply_python_fixes(text: str, fixes: Sequence[Fix]) -> tuple[str, list[Fix]]:
    """`text` with the fixes made, in one pass over its tree; the fixes made. Raises cst.ParserSyntaxError
    for a text LibCST cannot parse."""
    editor = _Editor(fixes)
    edited = MetadataWrapper(cst.parse_module(text)).visit(editor)
    return edited.code, editor.applied


class _Editor(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, fixes: Sequence[Fix]) -> None:
        super().__init__()
        self._at: dict[Span, list[Fix]] = {}
        self._comments: dict[int, list[Fix]] = {}
        for fix in fixes:
            where = fix.location
            if fix.kind == "replace-comment":
                self._comments.setdefault(where.line, []).append(fix)
            elif fix.kind in _NODE_KINDS:
                self._at.setdefault((where.line, where.column, where.end_line, where.end_column), []).append(fix)
        self.applied: list[Fix] = []

    def _fixes(self, node: cst.CSTNode, *kinds: str) -> list[Fix]:
        span = self.get_metadata(PositionProvider, node, None)
        if span is None:
            return []
        key = (span.start.line, span.start.column + 1, span.end.line, span.end.column + 1)
        return [fix for fix in self._at.get(key, ()) if fix.kind in kinds]

    # ------------------------------------------------------------ calls

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        result: cst.BaseExpression = updated_node
        for index in reversed(range(len(original_node.args))):
            for fix in self._fixes(original_node.args[index].value, "drop-argument"):
                dropped = _drop_argument(updated_node, index)
                if dropped is not None:
                    self.applied.append(fix)
                    result = updated_node = dropped
        for fix in self._fixes(original_node, "unwrap-call", "unwrap-method", "rename-call"):
            edited = _CALL_EDITS[fix.kind](updated_node, fix)
            if edited is not None:
                self.applied.append(fix)
                return edited
        return result

    # ------------------------------------------------------------ loops

    def leave_For(
        self, original_node: cst.For, updated_node: cst.For,
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        result: cst.For | cst.With = updated_node
        for fix in self._fixes(original_node, "insert-call-at-top"):
            statement = _call_statement(fix.names)
            if statement is not None:
                result = _insert_at_top(updated_node, statement)
                self.applied.append(fix)
                break
        for fix in self._fixes(original_node, "wrap-in-with"):
            context = _call_expression(fix.names[:1])
            if context is not None:
                # Indented as the loop indents its own body, whatever the file's first block does.
                indent = updated_node.body.indent if isinstance(updated_node.body, cst.IndentedBlock) else None
                block = cst.IndentedBlock(body=[result.with_changes(leading_lines=())], indent=indent)
                result = cst.With(items=[cst.WithItem(item=context)], body=block, leading_lines=result.leading_lines)
                self.applied.append(fix)
                break
        for fix in self._fixes(original_node, "insert-call-before"):
            statement = _call_statement(fix.names)
            if statement is not None:
                self.applied.append(fix)
                # Comments and blank lines above the loop stay above what now starts there.
                first = statement.with_changes(leading_lines=result.leading_lines)
                return cst.FlattenSentinel([first, result.with_changes(leading_lines=())])
        return result

    # ------------------------------------------------------------ comments

    def leave_TrailingWhitespace(
        self, original_node: cst.TrailingWhitespace, updated_node: cst.TrailingWhitespace,
    ) -> cst.TrailingWhitespace:
        if original_node.comment is None:
            return updated_node
        edited = self._edited_comment(original_node.comment)
        if edited is None:
            return updated_node
        if not edited:
            return updated_node.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)
        return updated_node.with_changes(comment=cst.Comment(edited))

    def leave_EmptyLine(
        self, original_node: cst.EmptyLine, updated_node: cst.EmptyLine,
    ) -> cst.EmptyLine | cst.RemovalSentinel:
        if original_node.comment is None:
            return updated_node
        edited = self._edited_comment(original_node.comment)
        if edited is None:
            return updated_node
        if not edited:
            return cst.RemovalSentinel.REMOVE  # the line held only the directive
        return updated_node.with_changes(comment=cst.Comment(edited))

    def _edited_comment(self, comment: cst.Comment) -> str | None:
        """The comment with this line's comment fixes made ("" when nothing is left); None when none applies."""
        span = self.get_metadata(PositionProvider, comment, None)
        if span is None or span.start.line not in self._comments:
            return None
        text: str | None = comment.value
        changed = False
        for fix in sorted(self._comments[span.start.line], key=lambda fix: -fix.location.column):
            start = fix.location.column - 1 - span.start.column
            written, replacement = fix.names
            if text is None or start < 0 or text[start:start + len(written)] != written:
                continue
            text = edit_line(text, start, start + len(written), replacement)
            self.applied.append(fix)
            changed = True
        if not changed:
            return None
        return text or ""


def _unwrap_call(call: cst.Call, fix: Fix) -> cst.BaseExpression | None:
    """`F.softmax(x, dim=1)` -> `x`: the first positional argument (or `input=`)."""
    kept = next((arg for arg in call.args if arg.keyword is None or arg.keyword.value == "input"), None)
    if kept is None or kept.star or _comments(call) != _comments(kept.value):
        return None  # a comment inside the call would go with it
    value = kept.value
    if not isinstance(value, _PRIMARY) and not value.lpar:
        value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return _keep_parentheses(call, value)


def _unwrap_method(call: cst.Call, fix: Fix) -> cst.BaseExpression | None:
    """`x.softmax(1)` -> `x`: the receiver."""
    if not isinstance(call.func, cst.Attribute) or _comments(call) != _comments(call.func.value):
        return None
    return _keep_parentheses(call, call.func.value)


def _rename_call(call: cst.Call, fix: Fix) -> cst.BaseExpression | None:
    """`F.softmax(...)` -> `F.log_softmax(...)`: the callee's last name, when written as an attribute."""
    old, new = fix.names
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value != old or not _is_identifier(new):
        return None
    return call.with_changes(func=func.with_changes(attr=cst.Name(new)))


_CALL_EDITS = {"unwrap-call": _unwrap_call, "unwrap-method": _unwrap_method, "rename-call": _rename_call}


def _keep_parentheses(call: cst.Call, value: cst.BaseExpression) -> cst.BaseExpression:
    if not call.lpar:
        return value
    return value.with_changes(lpar=[*call.lpar, *value.lpar], rpar=[*value.rpar, *call.rpar])


def _drop_argument(call: cst.Call, index: int) -> cst.Call | None:
    """The call without its argument `index`; never its only one. A last argument leaves its comma and the
    line break before `)` to the one before it, so a trailing comma and the layout stay as they were."""
    args = list(call.args)
    if len(args) < 2 or args[index].star or args[index].keyword is not None:
        return None
    removed = args.pop(index)
    if index < len(args):
        return call.with_changes(args=args)
    previous = args[-1]
    after_removed = removed.comma.whitespace_after if isinstance(removed.comma, cst.Comma) else removed.whitespace_after_arg
    before_removed = previous.comma.whitespace_after if isinstance(previous.comma, cst.Comma) else None
    if isinstance(after_removed, cst.ParenthesizedWhitespace) and isinstance(before_removed, cst.ParenthesizedWhitespace):
        after_removed = after_removed.with_changes(first_line=before_removed.first_line)  # the previous line's comment
    if isinstance(removed.comma, cst.Comma):
        comma = previous.comma if isinstance(previous.comma, cst.Comma) else cst.Comma()
        args[-1] = previous.with_changes(comma=comma.with_changes(whitespace_after=after_removed))
    else:
        args[-1] = previous.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=after_removed)
    return call.with_changes(args=args)


def _insert_at_top(loop: cst.For, statement: cst.SimpleStatementLine) -> cst.For:
    body = loop.body
    if isinstance(body, cst.IndentedBlock):
        return loop.with_changes(body=body.with_changes(body=[statement, *body.body]))
    return loop.with_changes(body=body.with_changes(body=[*statement.body, *body.body]))


def _call_statement(names: Sequence[str]) -> cst.SimpleStatementLine | None:
    """`receiver.method()` as a statement of its own, from names checked to be names."""
    call = _call_expression(["." .join(names)])
    return cst.SimpleStatementLine(body=[cst.Expr(call)]) if call is not None else None


def _call_expression(names: Sequence[str]) -> cst.Call | None:
    """`a.b()` for the dotted name `a.b`; None for anything that is not one."""
    if len(names) != 1 or not all(_is_identifier(part) for part in names[0].split(".")):
        return None
    expression = cst.parse_expression(names[0])
    return cst.Call(func=expression)


def _is_identifier(text: str) -> bool:
    return bool(_IDENTIFIER.fullmatch(text)) and not keyword.iskeyword(text)


class _CommentCounter(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def visit_Comment(self, node: cst.Comment) -> None:
        self.count += 1


def _comments(node: cst.CSTNode) -> int:
    counter = _CommentCounter()
    node.visit(counter)
    return counter.count
