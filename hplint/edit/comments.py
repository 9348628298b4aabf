"""Comment edits (`replace-comment`), line by line: a suppression rewritten or removed in YAML, TOML,
shell or Makefile text. Python's comments are edited through LibCST (`python.py`) with the same rule
for what is left of a line (`edit_line`).
"""

from __future__ import annotations

from collections.abc import Sequence

from hplint.diagnostics import Fix
from hplint.extract.comments import split_lines


def apply_comment_fixes(text: str, language: str, fixes: Sequence[Fix]) -> tuple[str, list[Fix]]:
    """`text` with each `replace-comment` fix made on its line; the fixes made (a line that no longer holds
    the directive where the fix says is left alone). Lines are split as the locations count them."""
    lines = [body + ending for body, ending in split_lines(text, language)]
    applied: list[Fix] = []
    removed: set[int] = set()
    for fix in sorted(fixes, key=lambda fix: (fix.location.line, -fix.location.column)):
        index = fix.location.line - 1
        if fix.kind != "replace-comment" or not 0 <= index < len(lines) or index in removed:
            continue
        body, ending = split_lines(lines[index], language)[0]
        start, end = fix.location.column - 1, fix.location.end_column - 1
        written, replacement = fix.names
        if body[start:end] != written:
            continue
        edited = edit_line(body, start, end, replacement)
        if edited is None:
            removed.add(index)
        else:
            lines[index] = edited + ending
        applied.append(fix)
    return "".join(line for index, line in enumerate(lines) if index not in removed), applied


def edit_line(line: str, start: int, end: int, replacement: str) -> str | None:
    """The line with `line[start:end]` (a directive, from its `#`) replaced; None when the line is left with
    nothing, so it goes. Removing a directive also removes what follows it up to another `#` (a reason given
    for the suppression goes with it), and the spaces before it."""
    if replacement:
        return line[:start] + replacement + line[end:]
    before = line[:start].rstrip()
    if before.endswith("#"):
        before = before.rstrip("# \t")  # `## hplint: ignore`: the first `#` opened nothing else
    after = line[end:].strip()
    rest = after[after.index("#"):] if "#" in after else ""
    if not before:
        return rest or None
    return f"{before}  {rest}" if rest else before
