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
        properties = ",".join([
            f"file={_escape_property(location.path)}",
            f"line={location.line}",
            f"col={location.column}",
            f"endLine={location.end_line}",
            f"endColumn={location.end_column}",
            f"title={_escape_property(d.code)}",
        ])
        lines.append(f"::{_LEVEL[str(d.severity)]} {properties}::{_escape_data(f'{d.code} {d.message}')}")
    return "\n".join(lines)
