"""GitHub Actions workflow commands: `::error file=...,line=...,col=...,title=HP201::message`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hplint.report.terminal import printable

if TYPE_CHECKING:
    from hplint.lint import LintResult

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    # Newlines are the format's own escapes; other controls (ANSI colours) are shown, not obeyed.
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: LintResult, quiet: bool) -> str:
    lines = []
    for d in result.diagnostics:
        location = d.location
        # In a notebook the lines are its cell's, and the title names the cell: the raw JSON's lines mean nothing.
        title = f"{d.code} (cell {location.cell})" if location.cell else d.code
        properties = ",".join([
            f"file={_escape_property(location.path)}",
            f"line={location.shown_line}",
            f"col={location.column}",
            f"endLine={location.shown_end_line}",
            f"endColumn={location.end_column}",
            f"title={_escape_property(title)}",
        ])
        lines.append(f"::{_LEVEL[str(d.severity)]} {properties}::{_escape_data(f'{d.code} {d.message}')}")
    return "\n".join(lines)
