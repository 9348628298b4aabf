"""Edits to a notebook: its cells' sources rewritten in the JSON text, every other byte kept.

A notebook is edited cell by cell (`apply_notebook_fixes`): each fix is made on its cell's code as
Python (IPython's escapes set aside as `extract/notebook.py` sets them aside), and only the cells
that changed are written back. Writing back (`with_sources`) splices the new `"source"` value of
each changed cell into the JSON text where the old one was, written as the old one was written (a
list of lines or one string, its indentation, escaped non-ASCII or not); the other cells, the
outputs, the metadata, the key order and the file's layout stay byte for byte what they were.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import TYPE_CHECKING

from hplint.extract.notebook import NotebookError, python_of, read_notebook
from hplint.location import Location

if TYPE_CHECKING:
    from hplint.diagnostics import Fix
    from hplint.edit.apply import Edited

_SPACE = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null")
_STRUCTURE = re.compile(r'["\[\]{}]')
_BEYOND_ASCII = re.compile(r"\\u(?!00[0-7])[0-9a-fA-F]{4}")


@dataclass(frozen=True)
class _Source:
    """Where a cell's `"source"` value is in the notebook's text, and the indentation of its key's line."""

    start: int
    end: int
    key_indent: str


def with_sources(text: str, sources: Mapping[int, str]) -> str:
    """The notebook's JSON text with the source of each cell numbered in `sources` (1-based among all cells,
    as findings count them) replaced; nothing else changes. NotebookError for a text that is not an
    nbformat 4 notebook with those cells."""
    if not sources:
        return text
    spans = _source_spans(text)
    missing = sorted(set(sources) - set(spans))
    if missing:
        raise NotebookError(f"the notebook has no cell {missing[0]} with a source to replace")
    ensure_ascii = text.isascii() and _BEYOND_ASCII.search(text) is not None
    pieces = []
    position = 0
    for number in sorted(sources, key=lambda number: spans[number].start):
        span = spans[number]
        pieces.append(text[position:span.start])
        pieces.append(_written_like(text, span, sources[number], ensure_ascii))
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def _written_like(text: str, span: _Source, source: str, ensure_ascii: bool) -> str:
    """`source` as a JSON value written the way the old value was: one string, or nbformat's list of lines."""
    old = text[span.start:span.end]
    if old.startswith('"'):
        return json.dumps(source, ensure_ascii=ensure_ascii)
    lines = [json.dumps(line, ensure_ascii=ensure_ascii) for line in source.splitlines(keepends=True)]
    if not lines:
        return "[]"
    opening, closing, separator = _list_layout(text, span, old)
    return "[" + opening + separator.join(lines) + closing + "]"


def _list_layout(text: str, span: _Source, old: str) -> tuple[str, str, str]:
    """The whitespace after `[`, before `]`, and between items, as the old list (or the document) has them."""
    inner = old[1:-1]
    if inner.strip():
        opening = inner[:len(inner) - len(inner.lstrip())]
        closing = inner[len(inner.rstrip()):]
        second = _second_item(inner)
        separator = inner[second[0]:second[1]] if second is not None else "," + opening
        return opening, closing, separator
    newline = "\r\n" if "\r\n" in text else "\n"
    unit = _indent_unit(text)
    if unit is None:  # written on one line (json.dumps without indent)
        return "", "", ", " if re.search(r'"\s*,\s', text) else ","
    return newline + span.key_indent + unit, newline + span.key_indent, "," + newline + span.key_indent + unit


def _second_item(inner: str) -> tuple[int, int] | None:
    """The span of the separator between the first and the second string of a list's inside."""
    first = inner.find('"')
    if first < 0:
        return None
    _, end = scanstring(inner, first + 1)
    following = inner.find('"', end)
    return (end, following) if following >= 0 else None


def _indent_unit(text: str) -> str | None:
    """The indentation of the document's first key: what one level of nesting adds."""
    found = re.match(r'\s*\{(\r?\n)([ \t]+)"', text)
    return found.group(2) if found is not None else None


def _source_spans(text: str) -> dict[int, _Source]:
    """Each cell's number and where its `"source"` value is written, read without building the document."""
    try:
        return _spans(text)
    except (ValueError, IndexError):  # json's scanner on text that is not JSON
        raise NotebookError("not valid JSON") from None


def _spans(text: str) -> dict[int, _Source]:
    index = _skip_space(text, 0)
    if not text.startswith("{", index):
        raise NotebookError("not a Jupyter notebook: the JSON is not an object")
    cells_at = None
    for key, start, _ in _members(text, index):
        if key == "cells" and text.startswith("[", start):
            cells_at = start
    if cells_at is None:
        raise NotebookError("not an nbformat 4 notebook: no list of cells")
    spans = {}
    for number, start in enumerate(_items(text, cells_at), start=1):
        if not text.startswith("{", start):
            continue
        for key, value_start, key_start in _members(text, start):
            if key == "source":
                line_start = text.rfind("\n", 0, key_start) + 1
                indent = text[line_start:key_start]
                spans[number] = _Source(value_start, _value_end(text, value_start), indent if not indent.strip() else "")
    return spans


def _members(text: str, start: int) -> list[tuple[str, int, int]]:
    """(key, where its value starts, where its key starts) of each member of the object at `start`."""
    found: list[tuple[str, int, int]] = []
    index = _skip_space(text, start + 1)
    if text.startswith("}", index):
        return found
    while True:
        key_start = index
        key, index = scanstring(text, index + 1)
        index = _skip_space(text, index)
        index = _skip_space(text, index + 1)  # past the colon
        found.append((key, index, key_start))
        index = _skip_space(text, _value_end(text, index))
        if text.startswith("}", index):
            return found
        index = _skip_space(text, index + 1)  # past the comma


def _items(text: str, start: int) -> list[int]:
    """Where each item of the array at `start` begins."""
    found: list[int] = []
    index = _skip_space(text, start + 1)
    if text.startswith("]", index):
        return found
    while True:
        found.append(index)
        index = _skip_space(text, _value_end(text, index))
        if text.startswith("]", index):
            return found
        index = _skip_space(text, index + 1)


def _value_end(text: str, start: int) -> int:
    """Just past the JSON value at `start`: strings through the C scanner, containers by their brackets."""
    first = text[start:start + 1]
    if first == '"':
        return int(scanstring(text, start + 1)[1])
    if first not in ("[", "{"):
        scalar = _SCALAR.match(text, start)
        if scalar is None:
            raise NotebookError(f"not valid JSON at character {start}")
        return scalar.end()
    depth = 0
    index = start
    while True:
        found = _STRUCTURE.search(text, index)
        if found is None:
            raise NotebookError("not valid JSON: a bracket is never closed")
        if found.group() == '"':
            index = scanstring(text, found.start() + 1)[1]
            continue
        depth += 1 if found.group() in "[{" else -1
        index = found.end()
        if depth == 0:
            return index


def _skip_space(text: str, index: int) -> int:
    return _SPACE.match(text, index).end()  # type: ignore[union-attr]


# ---------------------------------------------------------------- fixes


def apply_notebook_fixes(text: str, fixes: Sequence[Fix]) -> Edited:
    """The notebook's JSON text with the fixes made in their cells, as `apply_fixes` makes them in a file.

    A fix's location counts lines of the notebook's joined code and names its cell; it is made on
    that cell's code alone. A cell whose edits would touch a line of IPython's own syntax (a
    magic, a shell escape) is left as it is: its escapes cannot be carried through an edit.
    """
    from hplint.edit.apply import Edited, apply_fixes

    try:
        notebook = read_notebook(text)
    except NotebookError:
        return Edited(text, ())
    by_cell: dict[int, list[Fix]] = {}
    for fix in fixes:
        by_cell.setdefault(fix.location.cell, []).append(fix)
    sources: dict[int, str] = {}
    applied: list[Fix] = []
    for cell in notebook.cells:
        wanted = by_cell.get(cell.number)
        if not wanted:
            continue
        in_cell = {replace(fix, location=_in_cell(fix.location)): fix for fix in wanted}
        python = python_of(cell.source)
        made = apply_fixes(python, "python", list(in_cell))
        if not made.applied:
            continue
        source = _escapes_kept(cell.source, python, made.text)
        if source is None:
            continue
        sources[cell.number] = source
        applied.extend(in_cell[fix] for fix in made.applied)
    if not sources:
        return Edited(text, ())
    try:
        return Edited(with_sources(text, sources), tuple(applied))
    except NotebookError:
        return Edited(text, ())


def _in_cell(location: Location) -> Location:
    """A location of the joined code as a location in its cell's own text."""
    offset = location.cell_offset
    return Location(location.path, location.line - offset, location.column, location.end_line - offset, location.end_column)


def _escapes_kept(source: str, python: str, edited: str) -> str | None:
    """The cell's new source: the edited Python, with the lines it did not change as written (escapes included).

    None when an edit changed a line that was IPython's syntax, or lines around one.
    """
    import difflib

    written = source.split("\n")
    before = python.split("\n")
    after = edited.split("\n")
    lines: list[str] = []
    for tag, start, end, new_start, new_end in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            lines.extend(written[start:end])
            continue
        if written[start:end] != before[start:end]:
            return None
        lines.extend(after[new_start:new_end])
    return "\n".join(lines)


def cell_diffs(path: str, before: str, after: str) -> str:
    """What `--diff` shows for a notebook: a unified diff of the code of each cell that changed, headed
    `a/train.ipynb:cell 4` as ruff heads them (the JSON's own lines would hide the change in quotes)."""
    import difflib

    try:
        old = {cell.number: cell.source for cell in read_notebook(before.removeprefix("\ufeff")).cells}
        new = {cell.number: cell.source for cell in read_notebook(after.removeprefix("\ufeff")).cells}
    except NotebookError:
        return ""
    parts = []
    for number in sorted(old.keys() & new.keys()):
        if old[number] == new[number]:
            continue
        lines = difflib.unified_diff(
            _terminated_lines(old[number]), _terminated_lines(new[number]),
            f"a/{path}:cell {number}", f"b/{path}:cell {number}",
        )
        parts.append("".join(lines))
    return "".join(parts)


def _terminated_lines(source: str) -> list[str]:
    return [line if line.endswith("\n") else line + "\n" for line in source.splitlines(keepends=True)]
