"""Concise text: `path:line:col: CODE [severity] message`, then a summary line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING

import click

from hplint.report.terminal import printable

if TYPE_CHECKING:
    from hplint.lint import LintResult
    from hplint.location import Location


_SEVERITY_COLOUR = {"error": "red", "warning": "yellow", "info": "cyan"}


def render(
    result: LintResult, quiet: bool, show_source: bool = False, colored: bool = False,
    sources: Mapping[str, bytes] | None = None,
) -> str:
    """One line per finding; with `show_source` the line it is on and a caret under it (ruff's full format).

    `sources` holds texts that are not on disk (standard input), by display path.
    """
    lines: list[str] = []
    source_lines = _SourceLines(sources or {}) if show_source else None
    for d in result.diagnostics:
        # A file name or a quoted value cannot forge a line or reach the terminal raw.
        where = printable(f"{d.location.place}:{d.location.column}:")  # `nb.ipynb:cell 7:3:12:` in a notebook
        label = f"{d.code} [{d.severity}]"
        if colored:
            where = click.style(where, bold=True)
            label = click.style(label, fg=_SEVERITY_COLOUR[str(d.severity)], bold=True)
        lines.append(f"{where} {label} {printable(d.message)}")
        if source_lines is not None:
            lines.extend(source_lines.excerpt(d.location, colored))
    if not quiet:
        lines.append(summary_line(result))
    return "\n".join(lines)


class _SourceLines:
    """The lines of the files findings sit in, each file read once."""

    _LIMIT = 16 << 20

    def __init__(self, sources: Mapping[str, bytes]) -> None:
        self._texts: dict[str, list[str]] = {
            path: _text_lines(data, path.endswith(".ipynb")) for path, data in sources.items()
        }

    def excerpt(self, location: Location, colored: bool) -> list[str]:
        """`  12 | lr = 2.0` and a caret line under the span; nothing when the line cannot be read.

        In a notebook the line is its cell's, numbered as in the cell.
        """
        line, column, end_line, end_column = location.line, location.column, location.end_line, location.end_column
        lines = self._lines(location.path)
        if not 1 <= line <= len(lines):
            return []
        text = printable(lines[line - 1].expandtabs(4).rstrip())
        start = max(column - 1, 0)
        width = max((end_column - column) if end_line == line else len(text) - start, 1)
        gutter = f"{location.shown_line:>5} | "
        caret = " " * (len(gutter) - 2) + "| " + " " * start + "^" * min(width, max(len(text) - start, 1))
        if colored:
            caret = click.style(caret, fg="red", bold=True)
        return [gutter + text, caret, ""]

    def _lines(self, path: str) -> list[str]:
        if path not in self._texts:
            from hplint.extract import MAX_NOTEBOOK_BYTES, read_regular_file

            is_notebook = path.endswith(".ipynb")
            data = read_regular_file(path, MAX_NOTEBOOK_BYTES if is_notebook else self._LIMIT)
            self._texts[path] = _text_lines(data, is_notebook) if isinstance(data, bytes) else []
        return self._texts[path]


def _text_lines(data: bytes, is_notebook: bool) -> list[str]:
    """The lines a finding's line counts: a notebook's code cells joined (its JSON's lines mean nothing to a reader)."""
    if is_notebook:
        from hplint.extract.notebook import source_lines

        return source_lines(data) or []
    return data.decode("utf-8", "replace").splitlines()


def summary_line(result: LintResult) -> str:
    line = _counts_line(result)
    if result.notes:  # never "no problems" for what was not read or analysed
        line += f"; {len(result.notes)} not analysed (see stderr)"
    return line


def _counts_line(result: LintResult) -> str:
    files = len(result.files)
    noun = "file" if files == 1 else "files"
    if not result.diagnostics:
        return f"no problems in {files} {noun}"
    counts = Counter(str(d.severity) for d in result.diagnostics)
    parts = []
    for severity, singular, plural in (("error", "error", "errors"), ("warning", "warning", "warnings"), ("info", "info", "infos")):
        if counts[severity]:
            parts.append(f"{counts[severity]} {singular if counts[severity] == 1 else plural}")
    return f"{', '.join(parts)} in {files} {noun}"


def statistics(result: LintResult) -> str:
    by_code = Counter((d.code, d.name) for d in result.diagnostics)
    lines = [f"{count:5d}  {code}  {name}" for (code, name), count in sorted(by_code.items())]
    for path, comment in sorted(result.unused_suppressions, key=lambda item: (item[0], item[1].line)):
        codes = f"[{', '.join(comment.codes)}]" if comment.codes else ""
        where = f"{path}:cell {comment.cell}:{comment.line - comment.cell_offset}" if comment.cell else f"{path}:{comment.line}"
        lines.append(printable(f"{where}: unused suppression ({comment.style}{codes})"))
    if result.suppressed:
        lines.append(f"{result.suppressed} suppressed by comments")
    return "\n".join(lines)
