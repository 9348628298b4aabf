"""One file's text and the fixes its findings offer -> the text with as many of them made as fit together.

Text in, text out, so that the same edits serve a file or one cell of a notebook. Fixes whose spans
overlap are not made together: the first (in reading order) is, the others wait for the next pass,
which lints the edited text again. The edited text must parse as its language did before, else the
fixes are tried one by one and those that break it are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hplint.diagnostics import Fix

# Edits that insert at a point and change nothing around it: they overlap nothing.
_INSERTIONS = frozenset({"insert-call-at-top", "insert-call-before"})
# The languages edited here; a notebook's fixes are made cell by cell (`hplint/edit/notebook.py`).
_EDITABLE = frozenset({"python", "yaml", "toml", "json", "shell"})


@dataclass(frozen=True)
class Edited:
    text: str
    applied: tuple[Fix, ...]


def apply_fixes(text: str, language: str, fixes: Sequence[Fix]) -> Edited:
    """`text` with the fixes that fit together made; unchanged when it does not parse to begin with (a file
    with HP001 or HP002 is never edited)."""
    if not fixes or language not in _EDITABLE or not parses(language, text):
        return Edited(text, ())
    chosen = _without_overlaps(fixes)
    edited = _edit(text, language, chosen)
    if edited is not None:
        return edited
    # Some fix breaks the text: keep those that do not, one at a time.
    kept: list[Fix] = []
    for fix in chosen:
        if _edit(text, language, [*kept, fix]) is not None:
            kept.append(fix)
    return _edit(text, language, kept) or Edited(text, ())


def _edit(text: str, language: str, fixes: Sequence[Fix]) -> Edited | None:
    """The fixes made together, or None when the result does not parse."""
    if not fixes:
        return Edited(text, ())
    if language == "python":
        import libcst as cst

        from hplint.edit.python import apply_python_fixes

        try:
            new_text, applied = apply_python_fixes(text, fixes)
        except (cst.CSTValidationError, cst.ParserSyntaxError, ValueError, TypeError):
            return None  # an edit LibCST refuses to build (a comment that does not start with `#`)
    else:
        from hplint.edit.comments import apply_comment_fixes

        new_text, applied = apply_comment_fixes(text, language, fixes)
    if not applied:
        return Edited(text, ())
    return Edited(new_text, tuple(applied)) if parses(language, new_text) else None


def _without_overlaps(fixes: Sequence[Fix]) -> list[Fix]:
    chosen: list[Fix] = []
    taken: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for fix in sorted(dict.fromkeys(fixes), key=lambda fix: (fix.location.line, fix.location.column)):
        span = _span(fix)
        if span[0] < span[1] and any(span[0] < end and start < span[1] for start, end in taken):
            continue
        chosen.append(fix)
        taken.append(span)
    return chosen


def _span(fix: Fix) -> tuple[tuple[int, int], tuple[int, int]]:
    """Where the fix changes the text, as (line, column) from and to; empty for an insertion."""
    where = fix.location
    start = (where.line, where.column)
    return (start, start) if fix.kind in _INSERTIONS else (start, (where.end_line, where.end_column))


def parses(language: str, text: str) -> bool:
    """Whether hplint reads the text as its language without a parse error (shell has no parser to ask)."""
    if language == "python":
        return _python_parses(text)
    if language in ("yaml", "toml", "json"):
        from hplint.extract.configs import extract_config
        from hplint.facts import ParseError

        return not any(isinstance(fact, ParseError) for fact in extract_config("-", language, text))
    return True


def _python_parses(text: str) -> bool:
    import ast

    import libcst as cst

    try:
        ast.parse(text)
        cst.parse_module(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, cst.ParserSyntaxError):
        return False
    return True
